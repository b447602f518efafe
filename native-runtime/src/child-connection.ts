/**
 * The parent's end of one runtime child process: forks it, waits for `ready`, matches replies to requests,
 * routes generation and model messages, and reports the exit. One instance per child; a restart makes a
 * new one.
 */
import { type ChildProcess, fork } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createInterface } from 'node:readline'
import type { Logger } from 'pino'
import { STDERR_TAIL_BYTES, STDIO_DRAIN_MS } from './constants.js'
import { errorFromWire } from './error-wire.js'
import { RuntimeUnavailableError } from './errors.js'
import {
  type ChildInit,
  type ChildMessage,
  childMessageSchema,
  InboundParser,
  type ParentMessage,
  PROTOCOL_VERSION,
  type ResultOf,
  type ResultType,
  resultSchemas,
  type WireGenerationEvent
} from './protocol.js'

/** How to start a child. */
export interface ChildConnectionOptions {
  /** Compiled `child/main.js`. */
  entry: string
  init: ChildInit
  /** Node flags for the child; `[]` keeps it from inheriting the parent's (e.g. vitest's loaders). */
  execArgv: string[]
  logger: Logger
  /** Deadline for `ready` (ms). */
  startTimeoutMs: number
  /**
   * `log`: every stderr line is logged (warn). `tail`: lines are only kept for the crash report, because
   * the child's library prints its debug trace there, prompt text included. @default 'log'
   */
  stderr?: 'log' | 'tail'
}

/** What the connection reports to its owner. */
export interface ChildConnectionHandlers {
  generation(conn: ChildConnection, id: number, event: WireGenerationEvent): void
  model(conn: ChildConnection, message: Extract<ChildMessage, { type: 'model' }>): void
  exit(conn: ChildConnection, code: number | null, signal: NodeJS.Signals | null): void
}

type Pending = { type: ResultType; resolve: (value: unknown) => void; reject: (err: unknown) => void }
type Request = Extract<ParentMessage, { type: ResultType }>

export class ChildConnection {
  /** Resolves when the child is ready; rejects (RuntimeUnavailableError) if it fails to start. */
  readonly ready: Promise<void>
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>
  /** GPU backend the child uses, or false for CPU; known once ready. */
  gpu: string | false = false
  private readonly child: ChildProcess
  private readonly pending = new Map<number, Pending>()
  private readonly parser: InboundParser<ChildMessage>
  private lastId = 0
  private alive = true
  private shutDown = false
  private stderrTail = ''
  private markExited: () => void = () => undefined
  private markReady: () => void = () => undefined
  private failStart: (err: Error) => void = () => undefined

  constructor(
    private readonly options: ChildConnectionOptions,
    private readonly handlers: ChildConnectionHandlers
  ) {
    const log = options.logger
    this.parser = new InboundParser(childMessageSchema, (issue) => log.warn({ issue }, 'dropped invalid message from runtime child'))
    if (!existsSync(options.entry)) {
      throw new RuntimeUnavailableError(`The runtime child entry ${options.entry} does not exist; build with tsc first`)
    }
    this.child = fork(options.entry, [JSON.stringify(options.init)], {
      execArgv: options.execArgv,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json'
    })
    this.ready = new Promise<void>((resolve, reject) => {
      this.markReady = resolve
      this.failStart = reject
    })
    this.ready.catch(() => undefined)
    const timer = setTimeout(() => {
      this.failStart(new RuntimeUnavailableError(`The runtime child did not start within ${options.startTimeoutMs} ms`))
      this.kill()
    }, options.startTimeoutMs)
    this.ready.then(() => clearTimeout(timer), () => clearTimeout(timer))
    this.exited = new Promise<void>((resolve) => (this.markExited = resolve))
    this.child.on('message', (raw) => this.receive(raw))
    // a send racing the child's death reports here; the exit handler fails the work, so nothing to do
    this.child.on('error', (err) => log.debug({ err: err.message }, 'runtime child channel error'))
    this.child.once('exit', (code, signal) => {
      // stderr may still hold the reason (a GGML_ASSERT line): let the pipes drain, but never wait long,
      // since a grandchild (llama.cpp's backtrace helper) could hold them open
      const finish = (): void => {
        clearTimeout(timer)
        this.child.off('close', finish)
        this.onExit(code, signal)
      }
      const timer = setTimeout(finish, STDIO_DRAIN_MS)
      this.child.once('close', finish)
    })
    createInterface({ input: this.child.stdout! }).on('line', (line) => options.stderr !== 'tail' && log.debug({ line }, 'runtime child stdout'))
    createInterface({ input: this.child.stderr! }).on('line', (line) => {
      // llama.cpp's own logs arrive as `log` messages; stderr carries what bypasses them (aborts, asserts)
      this.stderrTail = (this.stderrTail + line + '\n').slice(-STDERR_TAIL_BYTES)
      if (options.stderr !== 'tail') log.warn({ line }, 'runtime child stderr')
    })
  }

  /** Process id of the child. */
  get pid(): number | null {
    return this.child.pid ?? null
  }

  /** False once the process has exited. */
  get isAlive(): boolean {
    return this.alive
  }

  /** True once `shutdown` was called: an exit after it is not a crash. */
  get wasShutDown(): boolean {
    return this.shutDown
  }

  /** Messages from the child dropped because they did not parse. */
  get invalidMessages(): number {
    return this.parser.invalid
  }

  /** Last lines the child wrote to stderr (an abort message, usually). */
  get lastStderr(): string {
    return this.stderrTail
  }

  /** A fresh request id. */
  nextId(): number {
    return ++this.lastId
  }

  /** Sends a message that gets no reply (generate, cancel). Dropped if the child is gone. */
  send(message: ParentMessage): void {
    if (this.alive && this.child.connected) this.child.send(message)
  }

  /** Sends a request and resolves with its validated result; rejects with the typed error the child reports. */
  request<K extends ResultType>(message: Request & { type: K }): Promise<ResultOf<K>> {
    if (!this.alive || !this.child.connected) return Promise.reject(new RuntimeUnavailableError())
    return new Promise<ResultOf<K>>((resolve, reject) => {
      this.pending.set(message.id, { type: message.type, resolve: resolve as (v: unknown) => void, reject })
      this.child.send(message)
    })
  }

  /** Asks the child to exit; SIGKILLs it if it has not after `timeoutMs`. Resolves once it has exited. */
  async shutdown(timeoutMs: number): Promise<void> {
    if (!this.alive) return
    this.shutDown = true
    if (this.child.connected) this.child.send({ type: 'shutdown', id: this.nextId() } satisfies ParentMessage)
    else this.kill()
    const timer = setTimeout(() => this.kill(), timeoutMs)
    await this.exited
    clearTimeout(timer)
  }

  /** SIGKILL, for a child that will not stop or start. */
  kill(): void {
    if (this.alive) this.child.kill('SIGKILL')
  }

  private receive(raw: unknown): void {
    const message = this.parser.parse(raw)
    if (message === undefined) return
    switch (message.type) {
      case 'ready':
        if (message.protocol !== PROTOCOL_VERSION) {
          this.failStart(new RuntimeUnavailableError(`The runtime child speaks protocol ${message.protocol}, not ${PROTOCOL_VERSION}`))
          this.kill()
          return
        }
        this.gpu = message.gpu
        this.markReady()
        return
      case 'fatal':
        this.failStart(errorFromWire(message.error))
        return
      case 'log':
        this.options.logger[message.level]({ child: true }, message.msg)
        return
      case 'generation':
        this.handlers.generation(this, message.id, message.event)
        return
      case 'model':
        this.handlers.model(this, message)
        return
      case 'result':
      case 'error':
        this.settle(message)
    }
  }

  private settle(message: Extract<ChildMessage, { type: 'result' | 'error' }>): void {
    const pending = this.pending.get(message.id)
    if (pending === undefined) return
    this.pending.delete(message.id)
    if (message.type === 'error') return pending.reject(errorFromWire(message.error))
    const parsed = resultSchemas[pending.type].safeParse(message.result)
    if (parsed.success) pending.resolve(parsed.data)
    else pending.reject(new RuntimeUnavailableError(`The runtime child sent an invalid ${pending.type} result`))
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.alive = false
    const how = signal !== null ? `signal ${signal}` : `exit code ${code}`
    this.failStart(new RuntimeUnavailableError(`The runtime child exited during start-up (${how})`))
    for (const p of this.pending.values()) p.reject(new RuntimeUnavailableError(`The inference runtime process exited (${how})`))
    this.pending.clear()
    this.markExited()
    this.handlers.exit(this, code, signal)
  }
}
