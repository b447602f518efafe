/**
 * One split model on its coordinator: place → lease the workers → run llama-server over them → serve
 * through an EngineBackend → on a lost worker (llama-server aborts, or a lease is lost) release
 * everything and start over with whatever workers are free now. It is the model's backend in the
 * node's registry: while not serving it still advertises the model with its state, and requests get
 * a 503 that names the state.
 */
import type { Logger } from 'pino'
import type { BackendApi, BackendModel, BackendOutcome, ModelBackend } from '../../backends/index.js'
import { adapterOf, EngineBackend, EngineBadResponseError, EngineHttp, EngineUnavailableError, exitText, type HealthTimings } from '../../engines/index.js'
import type { RequestContext } from '../../inference/request-context.js'
import type { ModelRecord } from '../../models/index.js'
import type { Outbound } from '../../net/index.js'
import type { ModelAdvert } from '../../../../mesh/src/index.js'
import type { RpcBinaries, WorkerLease, WorkerLeaser } from '../contract.js'
import type { ShardServing, WorkerChoice, WorkerPlan } from '../placement/index.js'
import { LlamaServer } from './llama-server.js'
import { guardLoss } from './loss-guard.js'
import { shardMemoryMessage, ShardInsufficientMemoryError, ShardNotReadyError } from './shard-errors.js'

export type ShardState = NonNullable<ModelAdvert['sharded']>['state']

export interface ShardRunDeps {
  record: ModelRecord
  /** Workers for the model from the current gossip (recomputed on every attempt). */
  plan: () => WorkerPlan
  leaser: WorkerLeaser
  binaries: RpcBinaries
  serving: ShardServing
  threads?: number
  outbound: Outbound
  health: HealthTimings
  /** The advert changed (state, workers): re-advertise. */
  changed: () => void
  logger: Logger
  /** Wait before placing again after a failure (ms). */
  retryMs: number
  /** Longest wait for llama-server to load the model (ms). */
  loadTimeoutMs: number
}

export class ShardRun implements ModelBackend {
  readonly name: string
  state: ShardState = 'placing'
  error?: string
  workers: WorkerChoice[] = []
  private engine?: EngineBackend
  private readonly stopper = new AbortController()
  private wakeUp?: () => void
  private done?: Promise<void>
  /** Times the model was (re)loaded over a new worker set. */
  loads = 0
  /** Resolves with why the serving placement ended (streams in flight wait on it to explain an error). */
  private ended: Promise<string> = new Promise(() => undefined)
  /** Why the last placement ended (a lost worker, a failed load): shown while serving again. */
  private lastLoss?: string

  constructor(private readonly d: ShardRunDeps) {
    this.name = `shard:${d.record.id}`
  }

  get model(): string {
    return this.d.record.id
  }

  start(): void {
    this.done ??= this.loop().catch((err: unknown) => this.d.logger.error({ model: this.model, err: (err as Error).message }, 'split model stopped'))
  }

  /** Gossip changed (a worker came up or was freed): a waiting retry goes now. */
  wake(): void {
    this.wakeUp?.()
  }

  /** Stops llama-server and releases the workers; resolves once done. */
  async stop(): Promise<void> {
    this.stopper.abort()
    this.wake()
    await this.done
  }

  private set(state: ShardState, error?: string): void {
    this.state = state
    this.error = error
    this.d.changed()
  }

  private async loop(): Promise<void> {
    const signal = this.stopper.signal
    while (!signal.aborted) {
      this.set('placing', this.error)
      const plan = this.d.plan()
      if (!plan.ok) {
        this.workers = []
        this.set('failed', shardMemoryMessage(this.model, plan.needBytes, plan.availableBytes, plan.eligible, plan.minWorkers))
        await this.pause()
        continue
      }
      this.workers = plan.workers
      const reason = await this.runOnce(plan.workers, signal).catch((err: unknown) => (err as Error).message)
      if (signal.aborted) break
      this.d.logger.warn({ model: this.model, reason }, 'split model lost its workers or failed to load: placing it again')
      this.lastLoss = reason
      this.set('placing', reason)
      await this.pause()
    }
    this.set('placing')
  }

  /** One placement's life: lease, load, serve until something is lost; returns why it ended. */
  private async runOnce(workers: WorkerChoice[], signal: AbortSignal): Promise<string> {
    const leases: WorkerLease[] = []
    let server: LlamaServer | undefined
    try {
      for (const w of workers) leases.push(await this.d.leaser.acquire(w.peerId, { model: this.model, bytes: w.bytes, signal }))
      this.set('loading')
      server = new LlamaServer({ binary: this.d.binaries.server, modelPath: this.d.record.path, alias: this.model, endpoints: leases.map((l) => l.endpoint), slots: this.d.serving.slots, contextSize: this.d.serving.contextSize, ...(this.d.threads ? { threads: this.d.threads } : {}), loadTimeoutMs: this.d.loadTimeoutMs, logger: this.d.logger })
      const lost = AbortSignal.any([signal, ...leases.map((l) => l.lost)])
      await server.start(lost)
      const record = { id: `shard-${this.model}`, url: server.url, kind: 'llamacpp' as const, slots: this.d.serving.slots, addedAt: Date.now() }
      const engine = new EngineBackend(record, adapterOf('llamacpp'), new EngineHttp(this.d.outbound, server.url), this.d.health, () => this.d.changed(), this.d.logger)
      await engine.start()
      this.engine = engine
      this.loads++
      this.set('serving', this.lastLoss ? `reloaded after: ${this.lastLoss}` : undefined)
      this.d.logger.info({ model: this.model, workers: workers.map((w) => w.name) }, 'split model serving')
      const ended = Promise.race([
        server.exited.then((e) => `llama-server exited (${exitText(e)})`),
        new Promise<string>((resolve) => {
          if (lost.aborted) resolve(leaseLostText(leases))
          lost.addEventListener('abort', () => resolve(signal.aborted ? 'stopped' : leaseLostText(leases)), { once: true })
        })
      ])
      this.ended = ended
      return await ended
    } finally {
      this.engine?.stop()
      this.engine = undefined
      this.d.changed()
      await server?.stop()
      await Promise.all(leases.map((l) => l.release().catch(() => undefined)))
    }
  }

  /** Waits `retryMs`, or less when woken or stopped. */
  private pause(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        this.wakeUp = undefined
        resolve()
      }
      const timer = setTimeout(done, this.d.retryMs)
      this.wakeUp = done
      if (this.stopper.signal.aborted) done()
    })
  }

  /** The advert's `sharded` field. */
  sharded(): NonNullable<BackendModel['sharded']> {
    return { workers: this.workers.map((w) => ({ name: w.name, peerId: w.peerId, bytes: w.bytes })), state: this.state, ...(this.error ? { error: this.error.slice(0, 256) } : {}) }
  }

  models(): readonly BackendModel[] {
    const sharded = this.sharded()
    const r = this.d.record
    const served = this.state === 'serving' ? this.engine?.models() : undefined
    if (served && served.length > 0) return served.map((m) => ({ ...m, quantization: r.quantization.slice(0, 32), sizeBytes: r.sizeBytes, sharded }))
    // not serving: still advertised, so every node routes here and gets the state in a 503
    return [{ id: r.id, capabilities: r.capabilities, contextLength: this.d.serving.contextSize, quantization: r.quantization.slice(0, 32), sizeBytes: r.sizeBytes, slotsTotal: this.d.serving.slots, slotsBusy: 0, queueDepth: 0, tokensPerSecond: 0, avgServiceMs: 0, engine: 'llamacpp', sharded }]
  }

  knows(model: string): boolean {
    return model === this.model
  }

  async serve(api: BackendApi, body: { model: string } & Record<string, unknown>, ctx: RequestContext): Promise<BackendOutcome> {
    const engine = this.engine
    if (this.state !== 'serving' || !engine) throw this.notReady()
    const ended = this.ended
    try {
      const out = await engine.serve(api, body, ctx)
      if (body.stream !== true) return out
      return { ...out, result: { ...out.result, body: guardLoss(out.result.body, this.model, ended) } }
    } catch (err) {
      // llama-server gone under the request: a worker was lost (it aborts then); the run places again
      if (err instanceof EngineUnavailableError || err instanceof EngineBadResponseError) throw new ShardNotReadyError(this.model, 'reloading', 'a worker was lost')
      throw err
    }
  }

  private notReady(): Error {
    const plan = this.state === 'failed' ? this.d.plan() : undefined
    if (plan && !plan.ok) return new ShardInsufficientMemoryError(this.model, plan.needBytes, plan.availableBytes, plan.eligible, plan.minWorkers)
    return new ShardNotReadyError(this.model, this.state === 'failed' ? 'failing to place' : this.state, this.error)
  }
}

function leaseLostText(leases: readonly WorkerLease[]): string {
  const gone = leases.filter((l) => l.lost.aborted).map((l) => l.workerName)
  return `lease lost on ${gone.join(', ') || 'a worker'}`
}
