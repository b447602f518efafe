/**
 * llama.cpp's `llama-server` running a model over RPC workers: one child process per split model,
 * bound to loopback on a free port, ready once `/health` answers 200. The agent reaches it only through
 * the engine machinery (an EngineBackend on its URL). It aborts when a worker dies ("Remote RPC server
 * crashed"); `exited` tells the coordinator, which re-places.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import type { Logger } from 'pino'
import { freeLoopbackPort } from '../../net/index.js'

export interface LlamaServerOptions {
  /** Path of the `llama-server` binary (RpcBinaries.server). */
  binary: string
  /** The GGUF (first part of a split GGUF). */
  modelPath: string
  /** Model id clients use (`--alias`). */
  alias: string
  /** `host:port` of each leased worker (`--rpc`). */
  endpoints: readonly string[]
  slots: number
  /** Context per slot (tokens); the server gets `contextSize × slots`. */
  contextSize: number
  threads?: number
  /** Longest wait for the model to load (ms). */
  loadTimeoutMs: number
  logger: Logger
}

export interface ServerExit {
  code: number | null
  signal: NodeJS.Signals | null
  /** Last lines the server printed: why it stopped. */
  tail: string
}

/**
 * The shell between the agent and llama-server. SIGPIPE is ignored (libuv resets dispositions at spawn;
 * an ignore set by the shell is inherited). Its stdin is a pipe from the agent that is never written:
 * when the agent dies, even by SIGKILL, the pipe ends and the server is stopped — an idle llama-server
 * whose worker tunnels closed would not notice by itself and would stay. SIGTERM to the shell (stop)
 * reaches the server; the shell exits with the server's status.
 */
const SUPERVISE = [
  // an asynchronous list's stdin is /dev/null in a shell without job control: keep the pipe on fd 3
  'exec 3<&0',
  'trap "" PIPE',
  '"$0" "$@" </dev/null & c=$!',
  'trap \'kill -TERM $c 2>/dev/null\' TERM INT',
  '{ cat <&3 >/dev/null; kill -TERM $c 2>/dev/null; } & w=$!',
  'wait $c; s=$?',
  // a trapped signal ends `wait` early: wait for the server's real exit
  'while kill -0 $c 2>/dev/null; do wait $c; s=$?; done',
  'kill $w 2>/dev/null',
  'exit $s'
].join('\n')

/** How often readiness is asked while the model loads (ms). */
const HEALTH_POLL_MS = 150
const TAIL_LINES = 12
const STOP_GRACE_MS = 5_000


/** The argument list (pure, so it is unit-tested). */
export function llamaServerArgs(o: Pick<LlamaServerOptions, 'modelPath' | 'alias' | 'endpoints' | 'slots' | 'contextSize' | 'threads'>, port: number): string[] {
  return [
    '-m', o.modelPath,
    // no endpoints: the same model whole on this box (the reference a split must match)
    ...(o.endpoints.length > 0 ? ['--rpc', o.endpoints.join(',')] : []),
    '-ngl', '99',
    '--alias', o.alias,
    '--host', '127.0.0.1',
    '--port', String(port),
    '-np', String(o.slots),
    '-c', String(o.contextSize * o.slots),
    // the sizes are given: llama.cpp must not shrink the context to fit what it thinks is free
    '-fit', 'off',
    '--no-webui',
    ...(o.threads ? ['-t', String(o.threads)] : [])
  ]
}

export class LlamaServer {
  private child?: ChildProcess
  private readonly lines: string[] = []
  private port = 0
  /** Resolves when the process has exited (never rejects). */
  exited: Promise<ServerExit> = new Promise(() => undefined)

  constructor(private readonly o: LlamaServerOptions) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`
  }

  /** Spawns the server and resolves once it serves the model; rejects (and stops it) when it exits or times out first. */
  async start(signal: AbortSignal): Promise<void> {
    this.port = await freeLoopbackPort()
    const args = llamaServerArgs(this.o, this.port)
    const child = spawn('sh', ['-c', SUPERVISE, this.o.binary, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
    this.child = child
    const onData = (buf: Buffer): void => {
      for (const line of buf.toString('utf8').split('\n')) {
        if (!line.trim()) continue
        this.lines.push(line)
        if (this.lines.length > TAIL_LINES) this.lines.shift()
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, sig) => resolve({ code, signal: sig, tail: this.lines.join('\n') }))
      child.once('error', (err) => resolve({ code: null, signal: null, tail: err.message }))
    })
    this.o.logger.info({ model: this.o.alias, port: this.port, workers: this.o.endpoints }, 'starting llama-server over RPC workers')
    let gone: ServerExit | undefined
    void this.exited.then((e) => (gone = e))
    const deadline = Date.now() + this.o.loadTimeoutMs
    while (!gone) {
      if (signal.aborted || Date.now() > deadline) {
        await this.stop()
        throw new Error(signal.aborted ? 'stopped while loading' : `llama-server did not load ${this.o.alias} within ${this.o.loadTimeoutMs} ms`)
      }
      if (await this.healthy()) return
      await new Promise((r) => setTimeout(r, HEALTH_POLL_MS))
    }
    throw new Error(`llama-server exited while loading (${exitText(gone)})`)
  }

  private async healthy(): Promise<boolean> {
    try {
      const r = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(2_000) })
      await r.body?.cancel()
      return r.status === 200
    } catch {
      return false
    }
  }

  /** Stops the server (SIGTERM, SIGKILL after a grace period); resolves once it is gone. Idempotent. */
  async stop(): Promise<void> {
    const child = this.child
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    // past the grace period: the shell goes, and the end of its stdin stops the server too
    const timer = setTimeout(() => (child.stdin?.destroy(), child.kill('SIGKILL')), STOP_GRACE_MS)
    await this.exited
    clearTimeout(timer)
  }
}

/** One line about how the server ended, with the last thing it printed. */
export function exitText(e: ServerExit): string {
  const how = e.signal ? `signal ${e.signal}` : `code ${e.code}`
  const last = e.tail.split('\n').filter((l) => /error|crash|fail|abort/i.test(l)).pop() ?? e.tail.split('\n').pop() ?? ''
  return `${how}${last ? `: ${last.trim().slice(0, 200)}` : ''}`
}
