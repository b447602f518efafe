/** Route guard: admin pages render only for admins; a viewer who types the URL gets a short note. */
import type { RouteSectionProps } from '@solidjs/router'
import { A } from '@solidjs/router'
import { Show } from 'solid-js'
import { useSession } from '../../stores/session.js'

export function AdminOnly(props: RouteSectionProps) {
  const session = useSession()
  return (
    <Show
      when={session.isAdmin()}
      fallback={
        <section class="state" data-testid="forbidden">
          <h3>This page is for administrators</h3>
          <p class="muted">
            You are signed in as a viewer. <A href="/">Back to the cluster</A>
          </p>
        </section>
      }
    >
      {props.children}
    </Show>
  )
}
