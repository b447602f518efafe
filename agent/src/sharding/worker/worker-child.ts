/**
 * The RPC worker a node lends: `ggml-rpc-server` on a loopback port, supervised. It is `starting`
 * until it answers HELLO, `up` after, `down` once it exits; it is then started again after a backoff
 * that doubles per crash in a row. Each start is a new `generation`: a lease granted on an older one
 * is over (the worker's tensors went with it).
 *
 * The binary runs under a small shell wrapper that
 * - ignores SIGPIPE (a coordinator that dies mid-write would otherwise kill the worker; libuv resets
 *   signal dispositions at spawn, but SIG_IGN set by the shell survives exec), and
 * - kills the worker when its stdin, a pipe from this process, reaches end of file: the worker never
 *   outlives its node, even one killed with SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import type { Logger } from 'pino'
import { rpcHello } from './rpc-hello.js'
import { freeLoopbackPort } from '../../net/index.js'

export type WorkerState = 'starting' | 'up' | 'down'

export interface RpcWorkerChildInit {
  /** Path of `ggml-rpc-server`. */
  binary: string
  threads: number
  /** `LLAMA_CACHE` of the worker: its tensor cache (`-c`), under the node's data dir. */
  tensorCacheDir: string
  logger: Logger
  /** First restart delay (ms), doubled per crash in a row. @default 250 */
  restartBackoffMs?: number
  /** @default 30000 */
  restartBackoffMaxMs?: number
  /** Longest wait for the first HELLO after a start (ms) before the child is killed and restarted. @default 60000 */
  helloTimeoutMs?: number
}

// a background job's stdin is /dev/null in a non-interactive shell: the pipe is kept on fd 3 for the watcher
const WRAPPER = [
  'trap "" PIPE',
  'exec 3<&0',
  '"$0" "$@" </dev/null 3<&- &',
  'w=$!',
  '(while read -r _; do :; done; kill $w 2>/dev/null) <&3 &',
  'r=$!',
  'wait $w; s=$?',
  'kill $r 2>/dev/null',
  'exit $s'
].join('\n')

/** A stable run this long (ms) resets the backoff. */
const STABLE_MS = 60_000

export class RpcWorkerChild extends EventTarget {
  private child?: ChildProcess
  private stopping = false
  private crashesInRow = 0
  private restartTimer?: NodeJS.Timeout
  private startedAt = 0
  state: WorkerState = 'down'
  /** Loopback port of the running worker. */
  port: number | undefined
  /** Protocol version the worker answered HELLO with. */
  protocol: string | undefined
  /** Starts of the worker so far; changes when it restarted. */
  generation = 0

  constructor(private readonly init: RpcWorkerChildInit) {
    super()
  }

  /** Spawns the worker; resolves once spawned (not once up: watch the `state` event). */
  async start(): Promise<void> {
    this.stopping = false
    await this.spawnOnce()
  }

  async stop(): Promise<void> {
    this.stopping = true
    clearTimeout(this.restartTimer)
    const child = this.child
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
    const exited = once(child, 'exit')
    child.stdin?.end()
    const timer = setTimeout(() => this.killGroup(child, 'SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
  }

  private async spawnOnce(): Promise<void> {
    const port = await freeLoopbackPort()
    const { binary, threads, tensorCacheDir, logger } = this.init
    const args = ['-H', '127.0.0.1', '-p', String(port), '-t', String(threads), '-c']
    const child = spawn('sh', ['-c', WRAPPER, binary, ...args], {
      env: { ...process.env, LLAMA_CACHE: tensorCacheDir },
      stdio: ['pipe', 'pipe', 'pipe'],
      // its own process group: a stop that times out kills the wrapper and the worker together
      detached: true
    })
    this.child = child
    this.port = port
    this.generation++
    this.startedAt = Date.now()
    const generation = this.generation
    const log = logger.child({ rpcWorker: port })
    for (const out of [child.stdout, child.stderr]) {
      out?.setEncoding('utf8')
      out?.on('data', (text: string) => { for (const line of text.split('\n')) if (line.trim() !== '') log.debug(line) })
    }
    child.stdin?.on('error', () => {})
    child.on('exit', (code, signal) => this.onExit(generation, code, signal))
    child.on('error', err => log.error({ err }, 'rpc worker failed to spawn'))
    this.setState('starting')
    void this.awaitHello(child, port, generation)
  }

  private async awaitHello(child: ChildProcess, port: number, generation: number): Promise<void> {
    const deadline = Date.now() + (this.init.helloTimeoutMs ?? 60_000)
    while (this.generation === generation && child.exitCode === null && child.signalCode === null) {
      try {
        this.protocol = await rpcHello(port, { signal: AbortSignal.timeout(5000) })
        if (this.generation !== generation) return
        this.init.logger.info({ port, protocol: this.protocol, wrapperPid: child.pid }, 'rpc worker up')
        this.setState('up')
        return
      } catch {
        if (Date.now() > deadline) {
          this.init.logger.warn({ port }, 'rpc worker did not answer HELLO in time; restarting it')
          this.killGroup(child, 'SIGKILL')
          return
        }
        await new Promise(resolve => setTimeout(resolve, 100))
      }
    }
  }

  private onExit(generation: number, code: number | null, signal: NodeJS.Signals | null): void {
    if (generation !== this.generation) return
    this.child = undefined
    this.port = undefined
    this.setState('down')
    if (this.stopping) return
    this.crashesInRow = Date.now() - this.startedAt > STABLE_MS ? 1 : this.crashesInRow + 1
    const base = this.init.restartBackoffMs ?? 250
    const delay = Math.min(base * 2 ** (this.crashesInRow - 1), this.init.restartBackoffMaxMs ?? 30_000)
    this.init.logger.warn({ code, signal, restartInMs: delay }, 'rpc worker exited; restarting it')
    this.restartTimer = setTimeout(() => { void this.spawnOnce().catch(err => this.init.logger.error({ err }, 'rpc worker restart failed')) }, delay)
    this.restartTimer.unref()
  }

  private setState(state: WorkerState): void {
    this.state = state
    this.dispatchEvent(new Event('state'))
  }

  private killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal)
    } catch {
      // already gone
    }
  }
}

