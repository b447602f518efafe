/** Pull a model from Hugging Face: repo, URL or catalog name, a quantization, and where to. */
import { createSignal, For, Show } from 'solid-js'
import { useCluster } from '../../stores/cluster.js'
import { useModels } from '../../stores/models.js'

/** Quantizations offered in the picker (others can be typed as `org/repo:QUANT`). */
export const QUANT_CHOICES = ['Q4_K_M', 'Q4_K_S', 'Q5_K_M', 'Q6_K', 'Q8_0', 'F16'] as const

export function ModelPullForm() {
  const models = useModels()
  const cluster = useCluster()
  const [source, setSource] = createSignal('')
  const [quant, setQuant] = createSignal('')
  const [target, setTarget] = createSignal('self')
  const [busy, setBusy] = createSignal(false)
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault()
    if (!source().trim()) return
    setBusy(true)
    const where = target() === 'all' ? { all: true } : target() === 'self' ? {} : { nodes: [target()] }
    const ok = await models.pull({ source: source().trim(), ...(quant() ? { quant: quant() } : {}), ...where })
    setBusy(false)
    if (ok) setSource('')
  }
  return (
    <form class="card pull-form" data-testid="pull-form" onSubmit={(e) => void submit(e)}>
      <label>
        Hugging Face repo, URL or catalog name
        <input data-testid="pull-source" placeholder="Qwen/Qwen2.5-7B-Instruct-GGUF" value={source()} onInput={(e) => setSource(e.currentTarget.value)} />
      </label>
      <label>
        Quantization
        <select data-testid="pull-quant" value={quant()} onChange={(e) => setQuant(e.currentTarget.value)}>
          <option value="">default (Q4_K_M, else nearest)</option>
          <For each={QUANT_CHOICES}>{(q) => <option value={q}>{q}</option>}</For>
        </select>
      </label>
      <label>
        Onto
        <select data-testid="pull-target" value={target()} onChange={(e) => setTarget(e.currentTarget.value)}>
          <option value="self">this node</option>
          <option value="all">every node</option>
          <For each={cluster.state.nodes.filter((n) => !n.self && n.status === 'alive')}>{(n) => <option value={n.name}>{n.name}</option>}</For>
        </select>
      </label>
      <button type="submit" class="primary" data-testid="pull-submit" disabled={busy() || !source().trim()}>
        {busy() ? 'Starting…' : 'Pull'}
      </button>
      <Show when={models.state.pullNote}>
        <p class="muted small" data-testid="pull-note">
          {models.state.pullNote}
        </p>
      </Show>
      <Show when={models.state.actionError}>
        <p class="error small" data-testid="models-action-error">
          {models.state.actionError}
        </p>
      </Show>
    </form>
  )
}
