/** Create an API key: name, scopes, expiry. */
import { createSignal, For } from 'solid-js'
import type { CreateKeyInput } from '../../api/types.js'
import { DEFAULT_KEY_SCOPES, KEY_EXPIRY_DAYS, KEY_SCOPES } from '../../lib/key-scopes.js'

export function KeyForm(props: { onCreate: (input: CreateKeyInput) => Promise<boolean> }) {
  const [name, setName] = createSignal('')
  const [scopes, setScopes] = createSignal<string[]>([...DEFAULT_KEY_SCOPES])
  const [days, setDays] = createSignal(0)
  const [busy, setBusy] = createSignal(false)
  const toggle = (id: string, on: boolean) => setScopes((s) => (on ? [...new Set([...s, id])] : s.filter((x) => x !== id)))
  return (
    <form
      class="form inline-form"
      data-testid="key-form"
      onSubmit={async (e) => {
        e.preventDefault()
        setBusy(true)
        const input: CreateKeyInput = { name: name().trim(), scopes: scopes() }
        if (days() > 0) input.expiresInDays = days()
        if (await props.onCreate(input)) setName('')
        setBusy(false)
      }}
    >
      <label>
        Name
        <input value={name()} onInput={(e) => setName(e.currentTarget.value)} placeholder="e.g. ci-bot" required data-testid="key-name" />
      </label>
      <fieldset class="scopes">
        <legend>Scopes</legend>
        <For each={KEY_SCOPES}>
          {(s) => (
            <label class="check" title={s.hint}>
              <input type="checkbox" checked={scopes().includes(s.id)} onChange={(e) => toggle(s.id, e.currentTarget.checked)} data-testid={`key-scope-${s.id}`} />
              {s.label}
            </label>
          )}
        </For>
      </fieldset>
      <label>
        Expires
        <select value={String(days())} onChange={(e) => setDays(Number(e.currentTarget.value))} data-testid="key-expiry">
          <For each={KEY_EXPIRY_DAYS}>{(d) => <option value={String(d)}>{d === 0 ? 'never' : `in ${d} days`}</option>}</For>
        </select>
      </label>
      <button type="submit" class="btn btn-primary" disabled={busy() || !name().trim() || scopes().length === 0} data-testid="key-create">
        Create key
      </button>
    </form>
  )
}
