/**
 * An engine process the node itself runs (llama-server over RPC workers, stable-diffusion.cpp's
 * sd-server): one child bound to loopback on a free port, ready once `readyPath` answers 200. The agent
 * reaches it only through the engine machinery (an EngineBackend on its URL); `exited` tells the owner
 * when it stops, so the owner can start it again.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import type { Logger } from 'pino'
import { freeLoopbackPort } from '../net/index.js'

export interface LocalServerOptions {
  /** What the logs and errors call it (`llama-server`, `sd-server`). */
  label: string
  binary: string
  /** The argument list for the port chosen. */
  args: (port: number) => string[]
  /** Answers 200 once the server serves its model (`/health`, `/v1/models`). */
  readyPath: string
  /** Longest wait for the model to load (ms). */
  loadTimeoutMs: number
  logger: Logger
  /** Extra fields of the start log line. */
  logFields?: Record<string, unknown>
  /** The loopback port to listen on (a restarted server keeps its URL); a free one when absent. */
  port?: number
}

export interface ServerExit {
  code: number | null
  signal: NodeJS.Signals | null
  /** Last lines the server printed: why it stopped. */
  tail: string
}

/**
 * The shell between the agent and the server. SIGPIPE is ignored (libuv resets dispositions at spawn;
 * an ignore set by the shell is inherited). Its stdin is a pipe from the agent that is never written:
 * when the agent dies, even by SIGKILL, the pipe ends and the server is stopped — an idle server would
 * not notice by itself and would stay. SIGTERM to the shell (stop) reaches the server; the shell exits
 * with the server's status.
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
const READY_POLL_MS = 150
const TAIL_LINES = 12
const STOP_GRACE_MS = 5_000

export class LocalServer {
  private child?: ChildProcess
  private readonly lines: string[] = []
  private port = 0
  /** Resolves when the process has exited (never rejects). */
  exited: Promise<ServerExit> = new Promise(() => undefined)

  constructor(private readonly o: LocalServerOptions) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`
  }

  /** Spawns the server and resolves once it serves; rejects (and stops it) when it exits or times out first. */
  async start(signal: AbortSignal): Promise<void> {
    this.port = this.o.port ?? (await freeLoopbackPort())
    const child = spawn('sh', ['-c', SUPERVISE, this.o.binary, ...this.o.args(this.port)], { stdio: ['pipe', 'pipe', 'pipe'] })
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
    this.o.logger.info({ ...this.o.logFields, port: this.port }, `starting ${this.o.label}`)
    let gone: ServerExit | undefined
    void this.exited.then((e) => (gone = e))
    const deadline = Date.now() + this.o.loadTimeoutMs
    while (!gone) {
      if (signal.aborted || Date.now() > deadline) {
        await this.stop()
        throw new Error(signal.aborted ? 'stopped while loading' : `${this.o.label} did not load within ${this.o.loadTimeoutMs} ms`)
      }
      if (await this.ready()) return
      await new Promise((r) => setTimeout(r, READY_POLL_MS))
    }
    throw new Error(`${this.o.label} exited while loading (${exitText(gone)})`)
  }

  private async ready(): Promise<boolean> {
    try {
      const r = await fetch(`${this.url}${this.o.readyPath}`, { signal: AbortSignal.timeout(2_000) })
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
