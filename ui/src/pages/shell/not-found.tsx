import { A } from '@solidjs/router'

export function NotFoundPage() {
  return (
    <section class="state" data-testid="not-found">
      <h3>Nothing here</h3>
      <p class="muted">
        This dashboard has no such page. <A href="/">Go to the cluster</A>
      </p>
    </section>
  )
}
