/**
 * A WorkerLeaser over `ggml-rpc-server` processes this test starts on loopback (no mesh): exercises the
 * coordinator (placement, llama-server, failure and re-placement) on real binaries in one process. The
 * agent tests lease through the mesh tunnel instead.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import type { RpcBinaries, WorkerLease, WorkerLeaser } from '../../agent/src/sharding/index.js'
import { freeLoopbackPort } from '../../agent/src/net/index.js'
import { tempDir, waitFor } from './agent-process.js'
import { within } from './within.js'
import { connect } from 'node:net'

interface Worker {
  proc: ChildProcess
  port: number
  gone: AbortController
  leasedFor?: string
}

export class LoopbackLeaser implements WorkerLeaser {
  readonly workers = new Map<string, Worker>()
  /** Models leases were taken for, in order. */
  readonly acquired: { peerId: string; model: string }[] = []

  constructor(private readonly bins: RpcBinaries) {}

  /** Starts a worker for `peerId` and resolves once it accepts connections. */
  async add(peerId: string): Promise<void> {
    const port = await freeLoopbackPort()
    const cache = await tempDir('llmlb-rpc-cache-')
    const proc = spawn('sh', ['-c', 'trap "" PIPE; exec "$0" "$@"', this.bins.worker, '-H', '127.0.0.1', '-p', String(port), '-t', '1', '-c'], { stdio: 'ignore', env: { ...process.env, LLAMA_CACHE: join(cache, 'llama') } })
    const gone = new AbortController()
    proc.once('exit', () => gone.abort(new Error(`worker ${peerId} exited`)))
    this.workers.set(peerId, { proc, port, gone })
    // a connection that opens and closes at once is a client the worker drops without harm
    await waitFor(() => new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)))
      s.once('error', () => resolve(false))
    }), `rpc worker ${peerId} to listen`, 30_000, 50)
  }

  async acquire(peerId: string, opts: { model: string; bytes: number }): Promise<WorkerLease> {
    const w = this.workers.get(peerId)
    if (!w || w.gone.signal.aborted) throw new Error(`worker ${peerId} is not up`)
    if (w.leasedFor) throw new Error(`worker ${peerId} is leased for ${w.leasedFor}`)
    w.leasedFor = opts.model
    this.acquired.push({ peerId, model: opts.model })
    return {
      workerPeerId: peerId,
      workerName: peerId,
      endpoint: `127.0.0.1:${w.port}`,
      lost: w.gone.signal,
      release: async () => {
        if (w.leasedFor === opts.model) w.leasedFor = undefined
      }
    }
  }

  /** SIGKILLs a worker; resolves once it is gone. */
  async kill(peerId: string): Promise<void> {
    const w = this.workers.get(peerId)
    if (!w) return
    w.proc.kill('SIGKILL')
    await within(new Promise((r) => (w.gone.signal.aborted ? r(undefined) : w.gone.signal.addEventListener('abort', r))), `worker ${peerId} to exit`)
  }

  async close(): Promise<void> {
    await Promise.all([...this.workers.keys()].map((id) => this.kill(id)))
  }
}
