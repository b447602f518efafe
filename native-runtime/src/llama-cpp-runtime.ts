/**
 * `LlamaCppRuntime`: the agent-side supervisor of the llama.cpp child process (specs/runtime-protocol.md).
 * It forks the child, bridges requests and generation events over IPC, keeps the cached model table, and
 * restarts the child (reloading its models) when it dies, so a crashing model never takes the agent down.
 */
import type { Logger } from 'pino'
import { ChildConnection, type ChildConnectionHandlers } from './child-connection.js'
import { resolveChildEntry } from './child-entry.js'
import {
  CHILD_START_TIMEOUT_MS,
  RESTART_BACKOFF_MAX_MS,
  RESTART_BACKOFF_MS,
  RESTART_STABLE_MS,
  STOP_TIMEOUT_MS
} from './constants.js'
import { errorFromWire } from './error-wire.js'
import { ModelLoadError, ModelNotFoundError, RuntimeError, RuntimeUnavailableError } from './errors.js'
import type {
  AbortOptions,
  EmbeddingResult,
  GenerationEvent,
  GenerationTask,
  InferenceRuntime,
  ModelSpec,
  ModelStatus,
  PromptInput
} from './interfaces.js'
import { AsyncQueue } from './async-queue.js'
import { ModelTable } from './model-table.js'
import { embedRequestSchema, generateRequestSchema, modelSpecSchema, promptInputSchema, type WireGenerationEvent } from './protocol.js'
import { defaultThreads } from './threads.js'

/** Collaborators. */
export interface LlamaCppRuntimeComponents {
  /** Gets a `component: 'runtime'` child unless it already carries a component binding. */
  logger: Logger
}

/** Settings; all optional. */
export interface LlamaCppRuntimeInit {
  /** llama.cpp threads per context. @default defaultThreads() (1 on <= 2 cores, else min(cores - 1, 8)) */
  threads?: number
  /**
   * Map model files (llama.cpp's default); false reads the weights into the child's memory. On some VMs
   * (specs/runtime-protocol.md, "Mapped weights") mapped weights decode several times slower. @default true
   */
  mmap?: boolean
  /** GPU backend: 'auto' uses a prebuilt CUDA/Vulkan/Metal build when its driver works, false forces CPU. @default 'auto' */
  gpu?: false | 'auto' | 'cuda' | 'vulkan' | 'metal'
  /** Node flags for the child process. @default [] */
  childExecArgv?: string[]
  /** Compiled child entry. @default resolveChildEntry(import.meta.url) */
  childEntry?: string
  /** First restart delay after a crash (ms), doubling per crash in a row. @default RESTART_BACKOFF_MS */
  restartBackoffMs?: number
  /** Largest restart delay (ms). @default RESTART_BACKOFF_MAX_MS */
  restartBackoffMaxMs?: number
  /** Uptime after which the backoff starts over (ms). @default RESTART_STABLE_MS */
  restartStableMs?: number
  /** Deadline for the child to become ready (ms). @default CHILD_START_TIMEOUT_MS */
  startTimeoutMs?: number
  /** Grace period for the child to exit on stop before SIGKILL (ms). @default STOP_TIMEOUT_MS */
  stopTimeoutMs?: number
  /** Least severe llama.cpp log level forwarded to the logger. @default 'warn' */
  llamaLogLevel?: 'error' | 'warn' | 'info' | 'debug'
  /** What happens to the child's stderr lines (see ChildConnectionOptions.stderr). @default 'log' */
  childStderr?: 'log' | 'tail'
}

/** Code of the error thrown for a task the protocol cannot carry (mapped to HTTP 400 by the agent). */
export const INVALID_REQUEST_CODE = 'invalid_request'

type Task = { model: string; queue: AsyncQueue<GenerationEvent> }

export class LlamaCppRuntime extends EventTarget implements InferenceRuntime {
  private readonly log: Logger
  private readonly table: ModelTable
  private readonly tasks = new Map<number, Task>()
  /** Every child not yet exited, so `stop()` also reaches one still starting. */
  private readonly live = new Set<ChildConnection>()
  private conn: ChildConnection | null = null
  private up = false
  private starting: Promise<void> | null = null
  private stopping = false
  private restartCount = 0
  private crashesInRow = 0
  private restartTimer: NodeJS.Timeout | undefined
  private stableTimer: NodeJS.Timeout | undefined
  private restarting: Promise<void> | null = null
  /** Model whose load is in flight: the culprit if the child dies meanwhile. */
  private loadingModel: string | null = null
  /** Loads and unloads run one at a time, so a crash during a load has exactly one culprit. */
  private loadChain: Promise<unknown> = Promise.resolve()

  constructor(
    components: LlamaCppRuntimeComponents,
    private readonly init: LlamaCppRuntimeInit = {}
  ) {
    super()
    const logger = components.logger
    this.log = logger.bindings().component === undefined ? logger.child({ component: 'runtime' }) : logger
    this.table = new ModelTable((snapshot) => this.dispatchEvent(new CustomEvent('models:change', { detail: snapshot })))
  }

  start(): Promise<void> {
    this.starting ??= this.startChild().catch((err: unknown) => {
      this.starting = null
      throw err
    })
    return this.starting
  }

  async stop(): Promise<void> {
    this.stopping = true
    this.up = false
    clearTimeout(this.restartTimer)
    clearTimeout(this.stableTimer)
    await this.starting?.catch(() => undefined)
    await this.restarting
    this.conn = null
    this.failTasks(new RuntimeUnavailableError('The inference runtime stopped'))
    this.table.unloadAll()
    const timeout = this.init.stopTimeoutMs ?? STOP_TIMEOUT_MS
    await Promise.all([...this.live].map((c) => c.shutdown(timeout)))
    this.starting = null
    this.stopping = false
  }

  models(): ModelStatus[] {
    return this.table.snapshot()
  }

  isUp(): boolean {
    return this.up
  }

  restarts(): number {
    return this.restartCount
  }

  /** Pid of the current child process (for tests and operators), or null while none runs. */
  childPid(): number | null {
    return this.conn?.pid ?? null
  }

  load(spec: ModelSpec, options: AbortOptions = {}): Promise<ModelStatus> {
    const parsed = modelSpecSchema.safeParse(spec)
    if (!parsed.success) return Promise.reject(invalid(parsed.error.issues[0]?.message, 'model'))
    return this.serialized(() => this.loadNow(parsed.data), options.signal)
  }

  unload(id: string, options: AbortOptions = {}): Promise<void> {
    return this.serialized(async () => {
      if (this.table.get(id) === undefined) throw new ModelNotFoundError(id)
      const conn = this.conn
      if (this.up && conn !== null && this.table.get(id)?.state !== 'failed') {
        await conn.request({ type: 'unload', id: conn.nextId(), model: id }).catch((err: unknown) => {
          // already gone from the child is fine: the goal is that it is gone
          if (!(err instanceof ModelNotFoundError)) throw err
        })
      }
      this.table.remove(id)
    }, options.signal)
  }

  async *generate(task: GenerationTask, options: AbortOptions = {}): AsyncGenerator<GenerationEvent> {
    const { signal } = options
    signal?.throwIfAborted()
    const conn = this.requireUp()
    if (this.table.get(task.model)?.state !== 'loaded') throw new ModelNotFoundError(task.model)
    const id = conn.nextId()
    const message = { type: 'generate' as const, id, model: task.model, prompt: task.prompt, params: task.params }
    const parsed = generateRequestSchema.safeParse(message)
    if (!parsed.success) throw invalid(parsed.error.issues[0]?.message, String(parsed.error.issues[0]?.path.at(-1) ?? ''))
    const queue = new AsyncQueue<GenerationEvent>()
    this.tasks.set(id, { model: task.model, queue })
    this.table.busy(task.model, +1)
    // frees the slot at once; the child stops after its current decode step and then frees its sequence
    const cancel = (): void => {
      if (!this.release(id)) return
      conn.send({ type: 'cancel', id })
    }
    const onAbort = (): void => {
      cancel()
      queue.fail(signal?.reason)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      conn.send(parsed.data)
      for (;;) {
        const event = await queue.next()
        // an abort ends the iteration even when the rest of the answer (its end included) is already
        // queued: a consumer that aborted while the child ran ahead gets the abort, not a finished answer
        signal?.throwIfAborted()
        yield event
        if (event.type === 'end') return
      }
    } finally {
      signal?.removeEventListener('abort', onAbort)
      cancel() // a consumer that stops early cancels; a no-op after `end` or an error
    }
  }

  async embed(model: string, inputs: string[], options: AbortOptions = {}): Promise<EmbeddingResult> {
    options.signal?.throwIfAborted()
    const conn = this.requireLoaded(model)
    const message = { type: 'embed' as const, id: conn.nextId(), model, inputs }
    const parsed = embedRequestSchema.safeParse(message)
    if (!parsed.success) throw invalid(parsed.error.issues[0]?.message, 'input')
    return abortable(conn.request(parsed.data), options.signal)
  }

  async countTokens(model: string, prompt: PromptInput, options: AbortOptions = {}): Promise<number> {
    options.signal?.throwIfAborted()
    const conn = this.requireLoaded(model)
    const parsed = promptInputSchema.safeParse(prompt)
    if (!parsed.success) throw invalid(parsed.error.issues[0]?.message, prompt.kind === 'chat' ? 'messages' : 'prompt')
    const result = await abortable(conn.request({ type: 'countTokens', id: conn.nextId(), model, prompt: parsed.data }), options.signal)
    return result.tokens
  }

  // ---- child lifecycle ----

  private async startChild(): Promise<void> {
    const conn = await this.spawn()
    this.conn = conn
    this.up = true
    this.armStableTimer()
    this.log.info({ childPid: conn.pid, gpu: conn.gpu, threads: this.threads() }, 'runtime child ready')
  }

  private async spawn(): Promise<ChildConnection> {
    const handlers: ChildConnectionHandlers = {
      generation: (c, id, event) => c === this.conn && this.onGeneration(id, event),
      model: (c, m) => {
        if (c === this.conn && m.state === 'failed' && m.error !== undefined) this.table.failed(m.model, m.error)
      },
      exit: (c, code, signal) => this.onExit(c, code, signal)
    }
    const conn = new ChildConnection(
      {
        entry: this.init.childEntry ?? resolveChildEntry(import.meta.url),
        init: {
          threads: this.threads(),
          mmap: this.init.mmap ?? true,
          gpu: this.init.gpu ?? 'auto',
          logLevel: this.init.llamaLogLevel ?? 'warn',
          parentPid: process.pid
        },
        execArgv: this.init.childExecArgv ?? [],
        logger: this.log,
        startTimeoutMs: this.init.startTimeoutMs ?? CHILD_START_TIMEOUT_MS,
        stderr: this.init.childStderr ?? 'log'
      },
      handlers
    )
    this.live.add(conn)
    try {
      await conn.ready
      return conn
    } catch (err) {
      conn.kill()
      throw err
    }
  }

  private onExit(conn: ChildConnection, code: number | null, signal: NodeJS.Signals | null): void {
    this.live.delete(conn)
    if (conn !== this.conn) return
    this.conn = null
    this.up = false
    clearTimeout(this.stableTimer)
    this.failTasks(new RuntimeUnavailableError('The inference runtime process died during this request; retry shortly'))
    if (this.stopping) return
    const how = signal !== null ? `signal ${signal}` : `exit code ${code}`
    this.log.error({ code, signal, stderr: conn.lastStderr.slice(-512) || undefined }, 'runtime child died')
    if (this.loadingModel !== null) {
      // the last stderr line is usually the reason (e.g. `GGML_ASSERT(...) failed`)
      const line = conn.lastStderr.trim().split('\n').at(-1)?.slice(-300)
      this.table.failed(this.loadingModel, `the runtime process died while loading it (${how}${line ? `: ${line}` : ''})`)
    }
    this.table.reloadAll()
    this.dispatchEvent(new CustomEvent('runtime:crash', { detail: { code, signal } }))
    this.scheduleRestart()
  }

  private scheduleRestart(): void {
    this.crashesInRow++
    const base = this.init.restartBackoffMs ?? RESTART_BACKOFF_MS
    const delay = Math.min(base * 2 ** (this.crashesInRow - 1), this.init.restartBackoffMaxMs ?? RESTART_BACKOFF_MAX_MS)
    this.log.info({ delayMs: delay }, 'restarting runtime child')
    this.restartTimer = setTimeout(() => {
      this.restarting = this.restart().finally(() => (this.restarting = null))
    }, delay)
  }

  /** Starts a new child and reloads every model the old one held, then reports the restart. */
  private async restart(): Promise<void> {
    let conn: ChildConnection
    try {
      conn = await this.spawn()
    } catch (err) {
      this.log.error({ err: (err as Error).message }, 'runtime child failed to restart')
      if (!this.stopping) this.scheduleRestart()
      return
    }
    if (this.stopping) return
    this.conn = conn
    for (const spec of this.table.specsToReload()) {
      try {
        await this.loadInto(conn, spec)
      } catch (err) {
        if (this.conn !== conn) return // died again; its exit handler marked the culprit and rescheduled
        this.table.failed(spec.id, (err as Error).message)
      }
    }
    if (this.conn !== conn) return
    this.up = true
    this.restartCount++
    this.armStableTimer()
    this.log.info({ childPid: conn.pid, restarts: this.restartCount }, 'runtime child restarted')
    this.dispatchEvent(new CustomEvent('runtime:restart', { detail: { restarts: this.restartCount } }))
  }

  private armStableTimer(): void {
    clearTimeout(this.stableTimer)
    this.stableTimer = setTimeout(() => (this.crashesInRow = 0), this.init.restartStableMs ?? RESTART_STABLE_MS)
    this.stableTimer.unref()
  }

  // ---- models ----

  private async loadNow(spec: ModelSpec): Promise<ModelStatus> {
    const conn = this.requireUp()
    try {
      return await this.loadInto(conn, spec)
    } catch (err) {
      if (err instanceof ModelLoadError) throw err
      if (!conn.isAlive && !conn.wasShutDown) {
        // the child died while loading this model (a GGML abort): it is marked failed and not reloaded
        const reason = this.table.get(spec.id)?.error ?? `the runtime process died while loading it`
        throw new ModelLoadError(spec.id, reason, err)
      }
      throw err
    }
  }

  private async loadInto(conn: ChildConnection, spec: ModelSpec): Promise<ModelStatus> {
    this.loadingModel = spec.id
    this.table.loading(spec)
    try {
      const info = await conn.request({ type: 'load', id: conn.nextId(), spec })
      this.table.loaded(spec.id, info)
      return this.table.get(spec.id) as ModelStatus
    } catch (err) {
      if (err instanceof ModelLoadError) this.table.failed(spec.id, err.message)
      throw err
    } finally {
      this.loadingModel = null
    }
  }

  // ---- generations ----

  private onGeneration(id: number, event: WireGenerationEvent): void {
    const task = this.tasks.get(id)
    if (task === undefined) return // cancelled or failed already
    if (event.type === 'error') {
      this.release(id)
      task.queue.fail(errorFromWire(event.error))
    } else if (event.type === 'end') {
      this.table.recordSpeed(task.model, event.decodeTokens, event.decodeMs)
      this.release(id)
      const { decodeMs: _ms, decodeTokens: _n, ...end } = event
      task.queue.push(end)
    } else task.queue.push(event)
  }

  /** Ends a task's claim on its slot; false if it had already ended. */
  private release(id: number): boolean {
    const task = this.tasks.get(id)
    if (task === undefined) return false
    this.tasks.delete(id)
    this.table.busy(task.model, -1)
    return true
  }

  private failTasks(err: RuntimeError): void {
    for (const [id, task] of [...this.tasks]) {
      this.release(id)
      task.queue.fail(err)
    }
  }

  // ---- helpers ----

  private threads(): number {
    return this.init.threads ?? defaultThreads()
  }

  private requireUp(): ChildConnection {
    if (!this.up || this.conn === null) throw new RuntimeUnavailableError()
    return this.conn
  }

  private requireLoaded(model: string): ChildConnection {
    const conn = this.requireUp()
    if (this.table.get(model)?.state !== 'loaded') throw new ModelNotFoundError(model)
    return conn
  }

  private serialized<T>(work: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    if (signal?.aborted) return Promise.reject(signal.reason)
    const result = this.loadChain.then(work, work)
    this.loadChain = result.catch(() => undefined)
    return abortable(result, signal)
  }
}

/**
 * Stops waiting when `signal` aborts (rejecting with its reason). The child's work is not undone: an
 * aborted load still completes and the model stays loaded.
 */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason)
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}

function invalid(message: string | undefined, param: string): RuntimeError {
  return new RuntimeError(INVALID_REQUEST_CODE, `Invalid request: ${message ?? 'malformed'}`, { param: param || null })
}
