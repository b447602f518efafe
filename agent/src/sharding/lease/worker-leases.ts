/**
 * The worker node's side of leases: answers acquire / renew / release from peers, expires leases that
 * are not renewed, and serves the `rpc-worker` tunnel, accepting only the current holder and
 * bridging each of its tunnels to the worker's loopback port. When a lease ends (released, expired,
 * replaced, the worker restarted) its tunnels close, so the old holder's llama-server loses the
 * worker at once instead of sharing it.
 */
import { once } from 'node:events'
import { connect } from 'node:net'
import type { Logger } from 'pino'
import type { Mesh, MeshTunnel } from '../../../../mesh/src/index.js'
import { bridgeSocket } from './bridge-socket.js'
import { LeaseNotHeldError, WorkerBusyError, WorkerUnavailableError } from './errors.js'
import { LeaseBook, type HeldLease, type LeaseEndReason } from './lease-book.js'
import { RPC_WORKER_SERVICE, type LeaseAnswerBody, type LeaseRequest } from './lease-wire.js'

/** What the lease service needs of the worker child. */
export interface LeasableWorker extends EventTarget {
  readonly state: 'starting' | 'up' | 'down'
  readonly port: number | undefined
  readonly protocol: string | undefined
  readonly generation: number
}

export interface WorkerLeasesDeps {
  mesh: Mesh
  worker: LeasableWorker
  ttlMs: number
  logger: Logger
  /** The advert changed (holder came or went). */
  onChange: () => void
  now?: () => number
}

export class WorkerLeases {
  private readonly book: LeaseBook
  private readonly tunnels = new Map<string, Set<MeshTunnel>>()
  private generation: number
  private timer?: NodeJS.Timeout
  private removeHandler?: () => void
  private readonly now: () => number

  constructor(private readonly d: WorkerLeasesDeps) {
    this.now = d.now ?? Date.now
    this.generation = d.worker.generation
    this.book = new LeaseBook(d.ttlMs, (lease, why) => this.onEnd(lease, why))
  }

  /** Peer id of the holder, for the advert. */
  get holder(): string | undefined {
    this.book.expire(this.now())
    return this.book.held?.holder
  }

  start(): void {
    this.removeHandler = this.d.mesh.handleTunnel(RPC_WORKER_SERVICE, (tunnel, from) => this.accept(tunnel, from))
    this.d.worker.addEventListener('state', this.onWorkerState)
    // expiry is checked often enough that a dead holder's lease ends within a quarter ttl of its term
    this.timer = setInterval(() => this.book.expire(this.now()), Math.max(250, Math.floor(this.d.ttlMs / 4)))
    this.timer.unref()
  }

  stop(): void {
    clearInterval(this.timer)
    this.removeHandler?.()
    this.d.worker.removeEventListener('state', this.onWorkerState)
    this.book.revoke('worker_restarted')
  }

  /** Serves one lease request from `from` (a mesh peer). Throws WorkerBusyError, WorkerUnavailableError, LeaseNotHeldError. */
  handle(req: LeaseRequest, from: string): LeaseAnswerBody {
    const now = this.now()
    if (req.action === 'release') {
      this.book.release(from, req.leaseId)
      return this.answer({ id: req.leaseId ?? '', holder: from })
    }
    const w = this.d.worker
    if (w.state !== 'up') throw new WorkerUnavailableError(`the RPC worker on this node is ${w.state}`)
    const result = req.action === 'acquire' ? this.book.acquire(from, req.model, req.bytes, now) : this.book.renew(from, req.leaseId, now)
    if (!result.ok) {
      if (req.action === 'renew' && result.holder === undefined) throw new LeaseNotHeldError()
      throw new WorkerBusyError(`The RPC worker on this node is leased by ${result.holder ?? 'another node'}`, result.holder)
    }
    if (req.action === 'acquire') {
      this.d.logger.info({ holder: from, model: req.model, bytes: req.bytes, leaseId: result.lease.id }, 'rpc worker leased')
      this.d.onChange()
    }
    return this.answer(result.lease)
  }

  private answer(lease: Pick<HeldLease, 'id' | 'holder'>): LeaseAnswerBody {
    return { leaseId: lease.id, holder: lease.holder, ttlMs: this.d.ttlMs, generation: this.d.worker.generation, protocol: this.d.worker.protocol ?? '' }
  }

  /** Tunnel handler: only the holder gets through, to the worker's loopback port. Throwing refuses. */
  private async accept(tunnel: MeshTunnel, from: string): Promise<void> {
    this.book.expire(this.now())
    const lease = this.book.held
    if (lease === undefined || lease.holder !== from) throw new Error('not the lease holder of this RPC worker')
    const port = this.d.worker.port
    if (this.d.worker.state !== 'up' || port === undefined) throw new Error('the RPC worker is not up')
    const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true })
    try {
      await once(socket, 'connect')
    } catch (err) {
      socket.destroy()
      throw new Error(`the RPC worker did not accept a connection: ${(err as Error).message}`)
    }
    // the lease may have ended while connecting
    if (this.book.held?.id !== lease.id) {
      socket.destroy()
      throw new Error('the lease ended')
    }
    let set = this.tunnels.get(lease.id)
    if (set === undefined) this.tunnels.set(lease.id, (set = new Set()))
    set.add(tunnel)
    tunnel.once('close', () => set.delete(tunnel))
    bridgeSocket(socket, tunnel)
  }

  private onEnd(lease: HeldLease, why: LeaseEndReason): void {
    const open = this.tunnels.get(lease.id)
    this.tunnels.delete(lease.id)
    for (const t of open ?? []) t.destroy()
    // tunnels cut by the end abort the holder's llama-server mid-request: worth a warning
    const level = (open?.size ?? 0) > 0 ? 'warn' : 'info'
    this.d.logger[level]({ holder: lease.holder, model: lease.model, leaseId: lease.id, why, tunnels: open?.size ?? 0 }, 'rpc worker lease ended')
    this.d.onChange()
  }

  private readonly onWorkerState = (): void => {
    const w = this.d.worker
    if (w.generation !== this.generation || w.state === 'down') {
      this.generation = w.generation
      this.book.revoke('worker_restarted')
    }
    this.d.onChange()
  }
}
