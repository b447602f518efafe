/**
 * Image generation in the playground: a prompt, a size and a count sent to an image model of the
 * cluster (an engine's, or `openai:dall-e-*` / `gpt-image-*`); the answers come back as URLs of this
 * node (`/v1/images/files/<id>`, served without a key for an hour) and are shown as they are.
 * Shown only when the cluster has an image model.
 */
import { createSignal, For, Show } from 'solid-js'
import type { ClusterModel } from '../../api/types.js'
import { useApi } from '../../stores/api.js'

const SIZES = ['256x256', '512x512', '1024x1024']

export function ImagePanel(props: { models: ClusterModel[] }) {
  const api = useApi()
  const imageModels = () => props.models.filter((m) => m.llmlb?.capabilities.imageGeneration)
  const [model, setModel] = createSignal('')
  const [prompt, setPrompt] = createSignal('')
  const [size, setSize] = createSignal('512x512')
  const [count, setCount] = createSignal(1)
  const [images, setImages] = createSignal<string[]>([])
  const [servedBy, setServedBy] = createSignal('')
  const [busy, setBusy] = createSignal(false)
  const [error, setError] = createSignal<string | null>(null)

  const generate = async (): Promise<void> => {
    setBusy(true)
    setError(null)
    try {
      const out = await api.images.generate(model() || imageModels()[0]?.id || '', prompt() || 'A lighthouse at dusk', size(), count())
      setImages(out.urls)
      setServedBy(out.route.servedBy ?? '')
    } catch (err) {
      setError((err as Error).message)
    } finally {
      setBusy(false)
    }
  }

  return (
    <Show when={imageModels().length > 0}>
      <section class="image-panel" data-testid="image-panel">
        <h2>Generate image</h2>
        <div class="audio-row">
          <select value={model() || imageModels()[0]?.id} onChange={(e) => setModel(e.currentTarget.value)} data-testid="image-model">
            <For each={imageModels()}>{(m) => <option value={m.id}>{m.id}</option>}</For>
          </select>
          <select value={size()} onChange={(e) => setSize(e.currentTarget.value)} data-testid="image-size">
            <For each={SIZES}>{(s) => <option value={s}>{s}</option>}</For>
          </select>
          <input type="number" min="1" max="4" value={count()} onInput={(e) => setCount(Math.min(4, Math.max(1, Number(e.currentTarget.value) || 1)))} aria-label="Images" data-testid="image-count" />
          <input type="text" placeholder="Describe the image" value={prompt()} onInput={(e) => setPrompt(e.currentTarget.value)} data-testid="image-prompt" />
          <button type="button" class="btn btn-small" disabled={busy()} onClick={() => void generate()} data-testid="image-generate">
            {busy() ? 'Generating…' : 'Generate'}
          </button>
        </div>
        <Show when={images().length > 0}>
          <div class="image-results" data-testid="image-results">
            <For each={images()}>{(src, i) => <img src={src} alt={`Generated image ${i() + 1}${servedBy() ? ` (served by ${servedBy()})` : ''}`} />}</For>
          </div>
        </Show>
        <Show when={error()}>
          <p class="field-error" data-testid="image-error">{error()}</p>
        </Show>
      </section>
    </Show>
  )
}
