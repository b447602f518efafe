/**
 * Create an API key: name, expiry, and its scopes. A preset sets the checkboxes in one click
 * ("Inference" for an OpenAI client is the default); the checkboxes below it fine-tune them.
 * `scopes` is the agent's list (GET /api/auth/scopes).
 */
import { createMemo, createSignal, For } from 'solid-js'
import type { CreateKeyInput } from '../../api/types.js'
import { DEFAULT_KEY_SCOPES, KEY_EXPIRY_DAYS, matchingPreset, scopeInfo, scopePresets } from '../../lib/key-scopes.js'

export function KeyForm(props: { scopes: readonly string[]; onCreate: (input: CreateKeyInput) => Promise<boolean> }) {
  const [name, setName] = createSignal('')
  const [scopes, setScopes] = createSignal<string[]>([...DEFAULT_KEY_SCOPES])
  const [days, setDays] = createSignal(0)
  const [busy, setBusy] = createSignal(false)
  const presets = createMemo(() => scopePresets(props.scopes))
  // only scopes the agent knows are sent (the default may name one an older agent lacks)
  const chosen = () => scopes().filter((s) => props.scopes.includes(s))
  const preset = () => matchingPreset(presets(), chosen())
  const toggle = (id: string, on: boolean) => setScopes((s) => (on ? [...new Set([...s, id])] : s.filter((x) => x !== id)))
  return (
    <form
      class="form key-form"
      data-testid="key-form"
      onSubmit={async (e) => {
        e.preventDefault()
        setBusy(true)
        const input: CreateKeyInput = { name: name().trim(), scopes: chosen() }
        if (days() > 0) input.expiresInDays = days()
        if (await props.onCreate(input)) setName('')
        setBusy(false)
      }}
    >
      <div class="form-row">
        <label class="grow">
          Name
          <input value={name()} onInput={(e) => setName(e.currentTarget.value)} placeholder="e.g. ci-bot" maxLength={64} required data-testid="key-name" />
        </label>
        <label>
          Expires
          <select value={String(days())} onChange={(e) => setDays(Number(e.currentTarget.value))} data-testid="key-expiry">
            <For each={KEY_EXPIRY_DAYS}>{(d) => <option value={String(d)}>{d === 0 ? 'never' : `in ${d} days`}</option>}</For>
          </select>
        </label>
      </div>
      <fieldset class="presets" data-testid="key-presets">
        <legend>Access</legend>
        <For each={presets()}>
          {(p) => (
            <button
              type="button"
              class="chip"
              classList={{ 'chip-on': preset() === p.id }}
              aria-pressed={preset() === p.id}
              title={p.hint}
              onClick={() => setScopes([...p.scopes])}
              data-testid={`key-preset-${p.id}`}
            >
              {p.label}
            </button>
          )}
        </For>
        <span class="muted small">{preset() === null ? 'custom' : (presets().find((p) => p.id === preset())?.hint ?? '')}</span>
      </fieldset>
      <fieldset class="scope-grid">
        <legend class="visually-hidden">Scopes</legend>
        <For each={props.scopes}>
          {(id) => {
            const info = scopeInfo(id)
            return (
              <label class="check scope" title={info.hint}>
                <input type="checkbox" checked={scopes().includes(id)} onChange={(e) => toggle(id, e.currentTarget.checked)} data-testid={`key-scope-${id}`} />
                <span>
                  <span class="mono">{info.label}</span>
                  <span class="muted small scope-hint">{info.hint}</span>
                </span>
              </label>
            )
          }}
        </For>
      </fieldset>
      <div>
        <button type="submit" class="btn btn-primary" disabled={busy() || !name().trim() || chosen().length === 0} data-testid="key-create">
          Create key
        </button>
      </div>
    </form>
  )
}
