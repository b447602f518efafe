/**
 * The parent's cached view of every model: what was asked for (the spec, to reload after a crash), what
 * the child reported (the info), and live counters (busy slots, tokens per second).
 */
import { DEFAULT_SLOTS, TPS_EMA_ALPHA } from './constants.js'
import type { ModelLoadState, ModelSpec, ModelStatus } from './interfaces.js'
import type { ModelInfo } from './protocol.js'

const NO_CAPABILITIES = { chat: false, completion: false, embeddings: false, tools: false, vision: false }

export class ModelTable {
  private readonly specs = new Map<string, ModelSpec>()
  private readonly statuses = new Map<string, ModelStatus>()
  private cached: readonly ModelStatus[] = []

  /** @param changed called after every change with the new snapshot */
  constructor(private readonly changed: (snapshot: ModelStatus[]) => void) {}

  /** A copy of every status; cheap (rebuilt on change, not on read). */
  snapshot(): ModelStatus[] {
    return [...this.cached]
  }

  get(id: string): ModelStatus | undefined {
    return this.statuses.get(id)
  }

  /** Specs of models the child should hold (loaded, or loading again after a crash), in load order. */
  specsToReload(): ModelSpec[] {
    return [...this.specs.values()].filter((s) => {
      const state = this.statuses.get(s.id)?.state
      return state === 'loaded' || state === 'loading'
    })
  }

  /** A model starts loading; a new entry shows placeholders until the child reports its info. */
  loading(spec: ModelSpec): void {
    this.specs.delete(spec.id) // re-insert: a replaced model reloads in its new position
    this.specs.set(spec.id, spec)
    const prev = this.statuses.get(spec.id)
    this.put({
      ...(prev ?? placeholder(spec)),
      path: spec.path,
      state: 'loading',
      error: undefined,
      slotsBusy: 0
    })
  }

  loaded(id: string, info: ModelInfo): void {
    const prev = this.statuses.get(id)
    if (prev !== undefined) this.put({ ...prev, ...info, state: 'loaded', error: undefined })
  }

  failed(id: string, error: string): void {
    const prev = this.statuses.get(id)
    if (prev !== undefined) this.put({ ...prev, state: 'failed', error, slotsBusy: 0 })
  }

  /** After a crash: every loaded model is loading again (the new child reloads it). */
  reloadAll(): void {
    for (const s of this.statuses.values()) if (s.state === 'loaded') this.set(s.id, { state: 'loading', slotsBusy: 0 }, false)
    this.publish()
  }

  /** The runtime stopped: nothing is loaded any more (entries stay, so observers see what was there). */
  unloadAll(): void {
    for (const s of this.statuses.values()) {
      if (s.state === 'loaded' || s.state === 'loading') this.set(s.id, { state: 'unloaded', slotsBusy: 0 }, false)
    }
    this.publish()
  }

  remove(id: string): void {
    this.specs.delete(id)
    if (this.statuses.delete(id)) this.publish()
  }

  /** A generation started (+1) or ended (-1). */
  busy(id: string, delta: number): void {
    const prev = this.statuses.get(id)
    if (prev !== undefined) this.set(id, { slotsBusy: Math.max(0, prev.slotsBusy + delta) })
  }

  /**
   * Folds one request's decoding speed into the moving average: `tokens` single-token decode steps in `ms`
   * (the prompt excluded). Requests too short to time are skipped.
   */
  recordSpeed(id: string, tokens: number, ms: number): void {
    const prev = this.statuses.get(id)
    if (prev === undefined || tokens < 1 || ms <= 0) return
    const sample = (tokens * 1000) / ms
    const tps = prev.tokensPerSecond === 0 ? sample : TPS_EMA_ALPHA * sample + (1 - TPS_EMA_ALPHA) * prev.tokensPerSecond
    this.set(id, { tokensPerSecond: tps })
  }

  private set(id: string, patch: Partial<ModelStatus> & { state?: ModelLoadState }, publish = true): void {
    const prev = this.statuses.get(id)
    if (prev === undefined) return
    this.statuses.set(id, Object.freeze({ ...prev, ...patch }))
    if (publish) this.publish()
  }

  private put(status: ModelStatus): void {
    if (status.error === undefined) delete status.error
    this.statuses.set(status.id, Object.freeze(status))
    this.publish()
  }

  private publish(): void {
    this.cached = Object.freeze([...this.statuses.values()])
    this.changed(this.snapshot())
  }
}

function placeholder(spec: ModelSpec): ModelStatus {
  return {
    id: spec.id,
    path: spec.path,
    state: 'loading',
    contextLength: 0,
    contextSize: 0,
    capabilities: NO_CAPABILITIES,
    hasChatTemplate: false,
    sizeBytes: 0,
    quantization: '',
    architecture: '',
    slotsTotal: spec.slots ?? DEFAULT_SLOTS,
    slotsBusy: 0,
    tokensPerSecond: 0
  }
}
