/** Model, system prompt, temperature, max tokens. */
import { For, Show } from 'solid-js'
import type { ClusterModel } from '../../api/types.js'
import type { PlaygroundSettings } from '../../lib/chat-request.js'

export function SettingsPanel(props: { models: ClusterModel[]; settings: PlaygroundSettings; onChange: (patch: Partial<PlaygroundSettings>) => void }) {
  const num = (v: string): number | null => (v.trim() === '' || Number.isNaN(Number(v)) ? null : Number(v))
  return (
    <form class="form settings" onSubmit={(e) => e.preventDefault()} data-testid="playground-settings">
      <label>
        Model
        <select value={props.settings.model} onChange={(e) => props.onChange({ model: e.currentTarget.value })} data-testid="playground-model">
          <Show when={props.models.length === 0}>
            <option value="">no chat model in the cluster</option>
          </Show>
          <For each={props.models}>
            {(m) => (
              <option value={m.id}>
                {m.id}
                {m.llmlb?.capabilities.vision ? ' (vision)' : ''}
              </option>
            )}
          </For>
        </select>
      </label>
      <label>
        System prompt
        <textarea rows="4" value={props.settings.system} onInput={(e) => props.onChange({ system: e.currentTarget.value })} placeholder="You are a helpful assistant." data-testid="playground-system" />
      </label>
      <div class="row">
        <label>
          Temperature
          <input
            type="number"
            min="0"
            max="2"
            step="0.1"
            value={props.settings.temperature ?? ''}
            onInput={(e) => props.onChange({ temperature: num(e.currentTarget.value) })}
            data-testid="playground-temperature"
          />
        </label>
        <label>
          Max tokens
          <input
            type="number"
            min="1"
            step="1"
            value={props.settings.maxTokens ?? ''}
            onInput={(e) => props.onChange({ maxTokens: num(e.currentTarget.value) })}
            data-testid="playground-max-tokens"
          />
        </label>
      </div>
    </form>
  )
}
