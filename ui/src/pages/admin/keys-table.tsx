/** Existing keys (never their secrets) with a revoke button. */
import { For, Show } from 'solid-js'
import type { ApiKey } from '../../api/types.js'
import { formatTimestamp } from '../../lib/format.js'

export function KeysTable(props: { keys: ApiKey[]; onRevoke: (id: string) => void }) {
  return (
    <div class="table-wrap">
      <table class="table" data-testid="keys-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Scopes</th>
            <th>Owner</th>
            <th>Created</th>
            <th>Expires</th>
            <th />
          </tr>
        </thead>
        <tbody>
          <For
            each={props.keys}
            fallback={
              <tr>
                <td colspan="6" class="muted">
                  No API keys yet.
                </td>
              </tr>
            }
          >
            {(k) => (
              <tr data-testid="key-row" data-id={k.id}>
                <td>
                  <div>{k.name}</div>
                  <Show when={k.prefix}>
                    <div class="muted mono small" title="The key starts with this">
                      {k.prefix}…
                    </div>
                  </Show>
                </td>
                <td>
                  <span class="tags">
                    <For each={k.scopes}>{(s) => <span class="tag">{s}</span>}</For>
                  </span>
                </td>
                <td class="nowrap">{k.owner}</td>
                <td class="nowrap">{formatTimestamp(k.createdAt)}</td>
                <td class="nowrap">
                  <Show when={k.expired}>
                    <span class="badge badge-bad">expired</span>{' '}
                  </Show>
                  {k.expiresAt ? formatTimestamp(k.expiresAt) : 'never'}
                </td>
                <td class="num">
                  <button
                    type="button"
                    class="btn btn-small btn-danger"
                    data-testid="key-revoke"
                    onClick={() => {
                      if (confirm(`Revoke the key “${k.name}”? Clients using it will get 401 on every node.`)) props.onRevoke(k.id)
                    }}
                  >
                    Revoke
                  </button>
                </td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
    </div>
  )
}
