/** A side panel over the page (request details). Escape or the close button dismisses it. */
import { onCleanup, onMount, Show, type JSX } from 'solid-js'

export function Drawer(props: { open: boolean; title: string; onClose: () => void; children?: JSX.Element; testId?: string }) {
  onMount(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape' && props.open) props.onClose()
    }
    document.addEventListener('keydown', onKey)
    onCleanup(() => document.removeEventListener('keydown', onKey))
  })
  return (
    <Show when={props.open}>
      <div class="drawer-backdrop" onClick={() => props.onClose()} />
      <aside class="drawer" role="dialog" aria-modal="true" aria-label={props.title} data-testid={props.testId ?? 'drawer'}>
        <header class="drawer-head">
          <h2>{props.title}</h2>
          <button type="button" class="btn btn-ghost" onClick={() => props.onClose()} aria-label="Close">
            ✕
          </button>
        </header>
        <div class="drawer-body">{props.children}</div>
      </aside>
    </Show>
  )
}
