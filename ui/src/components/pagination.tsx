/** Previous / next with "page X of Y". */
export function Pagination(props: { page: number; pages: number; total: number; atLeast?: boolean; onPage: (page: number) => void }) {
  return (
    <nav class="pagination" aria-label="Pages" data-testid="pagination">
      <button type="button" class="btn btn-small" disabled={props.page <= 1} onClick={() => props.onPage(props.page - 1)}>
        ← Newer
      </button>
      <span class="muted">
        Page {props.page} of {props.pages} · {props.atLeast ? 'at least ' : ''}
        {props.total} {props.total === 1 ? 'request' : 'requests'}
      </span>
      <button type="button" class="btn btn-small" disabled={props.page >= props.pages} onClick={() => props.onPage(props.page + 1)}>
        Older →
      </button>
    </nav>
  )
}
