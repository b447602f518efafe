/**
 * The coordinator's side of leases (`WorkerLeaser`): takes a worker's lease through the peer API,
 * renews it every ttl/3, and opens a loopback listener whose every connection is bridged to a new
 * tunnel to the worker node. `lease.endpoint` is that listener: what llama-server's `--rpc` takes.
 *
 * The lease is lost (its signal aborts, the listener and tunnels close) when a renewal is refused,
 * when renewals fail twice in a row, when the worker node is declared dead or leaves, or when its
 * advert, having shown this node as holder, shows another holder or a worker not up (it restarted).
 */
import { randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import type { Logger } from 'pino'
import { type Mesh, type MeshEvents, type MeshTunnel, type PeerView } from '../../../../mesh/src/index.js'
import { askPeer } from '../../node/peer-api.js'
import type { WorkerLease, WorkerLeaser } from '../contract.js'
import { bridgeSocket } from './bridge-socket.js'
import { WorkerBusyError, WorkerUnavailableError } from './errors.js'
import { LeaseAnswerSchema, RPC_LEASE_PATH, RPC_WORKER_SERVICE, type LeaseAnswerBody, type LeaseRequest } from './lease-wire.js'

export interface MeshWorkerLeaserDeps {
  mesh: Mesh
  logger: Logger
}

/** Bytes carried by a lease's tunnels so far (benchmarks). */
export interface LeaseTraffic {
  bytesToWorker: number
  bytesFromWorker: number
  tunnels: number
}

export class MeshWorkerLeaser implements WorkerLeaser {
  constructor(private readonly d: MeshWorkerLeaserDeps) {}

  async acquire(workerPeerId: string, opts: { model: string; bytes: number; signal?: AbortSignal }): Promise<MeshLease> {
    const view = this.d.mesh.peers().find(p => p.peerId === workerPeerId)
    if (view === undefined || view.status === 'dead' || view.status === 'left') throw new WorkerUnavailableError(`Node ${workerPeerId} is not a live member of the mesh`)
    if (view.state.rpcWorker === undefined) throw new WorkerUnavailableError(`Node ${view.state.name} lends no RPC worker`)
    const answer = await leaseCall(this.d.mesh, workerPeerId, { action: 'acquire', model: opts.model, bytes: opts.bytes }, opts.signal)
    const lease = new MeshLease(this.d, workerPeerId, view.state.name, opts.model, opts.bytes, answer)
    try {
      await lease.open()
    } catch (err) {
      await lease.release()
      throw err
    }
    return lease
  }
}

/** Sends one lease request; maps the worker node's refusals to the sharding errors. */
async function leaseCall(mesh: Mesh, peerId: string, body: LeaseRequest, signal?: AbortSignal): Promise<LeaseAnswerBody> {
  let res
  try {
    res = await askPeer(mesh, peerId, { method: 'POST', path: RPC_LEASE_PATH, body, requestId: `lease-${randomUUID()}` }, signal === undefined ? {} : { signal })
  } catch (err) {
    throw new WorkerUnavailableError(`The RPC worker node ${peerId} could not be reached: ${(err as Error).message}`, { cause: err })
  }
  const message = (res.body as { error?: { message?: string } } | null)?.error?.message ?? `status ${res.status}`
  if (res.status === 409) throw new WorkerBusyError(message)
  if (res.status !== 200) throw new WorkerUnavailableError(message)
  const parsed = LeaseAnswerSchema.safeParse(res.body)
  if (!parsed.success) throw new WorkerUnavailableError(`The RPC worker node ${peerId} answered a malformed lease`)
  return parsed.data
}

export class MeshLease implements WorkerLease {
  readonly workerPeerId: string
  readonly workerName: string
  endpoint = ''
  private readonly controller = new AbortController()
  readonly lost: AbortSignal = this.controller.signal
  private readonly server: Server
  private readonly tunnels = new Set<MeshTunnel>()
  private readonly sockets = new Set<Socket>()
  private readonly traffic = { bytesToWorker: 0, bytesFromWorker: 0, tunnels: 0 }
  private renewTimer?: NodeJS.Timeout
  private failures = 0
  private ended = false
  private seenAsHolder = false
  private releasing?: Promise<void>

  constructor(private readonly d: MeshWorkerLeaserDeps, workerPeerId: string, workerName: string, private readonly model: string, private readonly bytes: number, private answer: LeaseAnswerBody) {
    this.workerPeerId = workerPeerId
    this.workerName = workerName
    this.server = createServer({ allowHalfOpen: true }, socket => this.onConnection(socket))
  }

  /** Listens on loopback and starts renewing and watching the mesh. */
  async open(): Promise<void> {
    this.server.listen(0, '127.0.0.1')
    await once(this.server, 'listening')
    this.endpoint = `127.0.0.1:${(this.server.address() as AddressInfo).port}`
    const mesh = this.d.mesh
    for (const type of ['peer:dead', 'peer:leave', 'peer:update', 'peer:join'] as const) mesh.addEventListener(type, this.onPeer)
    this.renewTimer = setInterval(() => { void this.renew() }, Math.max(100, Math.floor(this.answer.ttlMs / 3)))
    this.renewTimer.unref()
  }

  /** Bytes through this lease's tunnels, closed ones included. */
  stats(): LeaseTraffic {
    let { bytesToWorker, bytesFromWorker } = this.traffic
    for (const t of this.tunnels) {
      bytesToWorker += t.bytesOut
      bytesFromWorker += t.bytesIn
    }
    return { bytesToWorker, bytesFromWorker, tunnels: this.traffic.tunnels }
  }

  async release(): Promise<void> {
    this.releasing ??= (async () => {
      const wasLive = !this.ended
      this.close()
      if (wasLive) {
        await leaseCall(this.d.mesh, this.workerPeerId, { action: 'release', model: this.model, bytes: this.bytes, leaseId: this.answer.leaseId })
          .catch(err => this.d.logger.debug({ err: (err as Error).message, worker: this.workerName }, 'lease release not delivered; it expires'))
      }
    })()
    return this.releasing
  }

  private onConnection(socket: Socket): void {
    if (this.ended) return void socket.destroy()
    socket.pause()
    this.sockets.add(socket)
    socket.once('close', () => this.sockets.delete(socket))
    this.d.mesh.openTunnel(this.workerPeerId, RPC_WORKER_SERVICE, { signal: this.lost }).then(tunnel => {
      if (this.ended || socket.destroyed) return void tunnel.destroy()
      this.tunnels.add(tunnel)
      this.traffic.tunnels++
      tunnel.once('close', () => {
        this.tunnels.delete(tunnel)
        this.traffic.bytesToWorker += tunnel.bytesOut
        this.traffic.bytesFromWorker += tunnel.bytesIn
      })
      bridgeSocket(socket, tunnel)
      socket.resume()
    }, err => {
      this.d.logger.warn({ err: (err as Error).message, worker: this.workerName }, 'tunnel to the RPC worker refused')
      socket.destroy()
    })
  }

  private async renew(): Promise<void> {
    if (this.ended) return
    try {
      this.answer = await leaseCall(this.d.mesh, this.workerPeerId, { action: 'renew', model: this.model, bytes: this.bytes, leaseId: this.answer.leaseId }, this.lost)
      this.failures = 0
    } catch (err) {
      if (this.ended) return
      // the node answered no (a transport failure carries its cause): the lease is gone now
      const refused = (err instanceof WorkerBusyError || err instanceof WorkerUnavailableError) && err.cause === undefined
      this.failures++
      if (refused || this.failures >= 2) this.lose(`renewal ${refused ? 'refused' : 'failed twice'}: ${(err as Error).message}`)
    }
  }

  private readonly onPeer = (evt: Event): void => {
    const peer = (evt as MeshEvents['peer:update']).detail as PeerView
    if (peer.peerId !== this.workerPeerId || this.ended) return
    if (peer.status === 'dead' || peer.status === 'left') return this.lose(`the worker node ${peer.status === 'dead' ? 'died' : 'left'}`)
    const w = peer.state.rpcWorker
    const self = this.d.mesh.peerId()
    if (w?.leasedBy === self && w.state === 'up') this.seenAsHolder = true
    // an advert from before the grant shows no holder yet: only a change after seeing ours counts
    else if (this.seenAsHolder) this.lose(w === undefined || w.state !== 'up' ? 'the worker restarted' : 'the worker is leased by another node')
  }

  private lose(why: string): void {
    if (this.ended) return
    this.d.logger.warn({ worker: this.workerName, model: this.model, why }, 'RPC worker lease lost')
    this.close()
    this.controller.abort(new WorkerUnavailableError(`The lease on ${this.workerName}'s RPC worker was lost: ${why}`))
  }

  private close(): void {
    if (this.ended) return
    this.ended = true
    clearInterval(this.renewTimer)
    const mesh = this.d.mesh
    for (const type of ['peer:dead', 'peer:leave', 'peer:update', 'peer:join'] as const) mesh.removeEventListener(type, this.onPeer)
    this.server.close()
    for (const t of this.tunnels) t.destroy()
    for (const s of this.sockets) s.destroy()
  }
}
