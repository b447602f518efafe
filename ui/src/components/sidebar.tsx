/** Left navigation: the entries this user may see, and the node's API reference. */
import { A } from '@solidjs/router'
import { For } from 'solid-js'
import type { NavItem } from '../lib/nav.js'

export function Sidebar(props: { items: NavItem[] }) {
  return (
    <nav class="sidebar" aria-label="Main" data-testid="sidebar">
      <A href="/" class="brand" end>
        <img src="/favicon.svg" alt="" width="22" height="22" />
        <span>llmlb</span>
      </A>
      <ul>
        <For each={props.items}>
          {(item) => (
            <li>
              <A href={item.href} end={item.href === '/'} activeClass="active" data-testid={item.testId}>
                {item.label}
              </A>
            </li>
          )}
        </For>
      </ul>
      {/* a page the node serves itself (from /openapi.json), not a dashboard route */}
      <ul class="sidebar-foot">
        <li>
          <a href="/docs" data-testid="nav-api-docs">
            API reference
          </a>
        </li>
      </ul>
    </nav>
  )
}
