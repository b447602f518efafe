/**
 * RPC workers lent through the mesh, on real processes: node B runs `llmlb serve --rpc-worker`
 * (a supervised ggml-rpc-server on loopback); coordinators lease it through the peer API and reach it
 * through `/llmlb/tunnel/1.0.0`. A split llama-server over the tunnel answers exactly what the whole
 * model answers (greedy); the worker listens on 127.0.0.1 only; others are refused (409 worker_busy,
 * tunnel refused, another cluster key cannot connect); a killed holder's lease expires; a killed
 * worker is restarted and its holder loses the lease.
 */
import { readFile, readdir, readlink, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { generateClusterKey, Libp2pMesh, TEST_MESH_TIMINGS, type PeerView } from '../../../mesh/src/index.js'
import { MeshWorkerLeaser, WorkerBusyError, type RpcBinaries } from '../../../agent/src/sharding/index.js'
import { meshAddress, startAgent, stopAllAgents, tempDir, tinyModel, waitFor, type RunningAgent } from '../../helpers/agent-process.js'
import { greedyCompletion, startLlamaServer, type LlamaServer } from '../../helpers/llama-server.js'
import { startLeaseHolder } from '../../helpers/lease-holder.js'
import { machineRpcCache, rpcBinaries, RPC_BINARIES_WAIT_MS } from '../../helpers/rpc-binaries.js'
import { within } from '../../helpers/within.js'
import { localState, testLogger } from '../mesh/helpers.js'

const TTL_MS = 3000
const key = generateClusterKey()
let bins: RpcBinaries
let model: string
let worker: RunningAgent
let workerPeerId: string
const meshes: Libp2pMesh[] = []
const servers: LlamaServer[] = []

/** A coordinator: a real mesh member in this process, with the leaser the agent wires. */
async function coordinator(name: string, clusterKey = key) {
  const mesh = new Libp2pMesh({ logger: testLogger() }, { ...TEST_MESH_TIMINGS, name, listenHost: '127.0.0.1', port: 0, clusterKey, peers: [await meshAddress(worker)] })
  meshes.push(mesh)
  await mesh.start()
  mesh.setLocalState(localState(name))
  return { mesh, leaser: new MeshWorkerLeaser({ mesh, logger: testLogger() }) }
}

/** The worker node's advert as `mesh` sees it, once `ok` holds. */
async function advertWhen(mesh: Libp2pMesh, ok: (w: NonNullable<PeerView['state']['rpcWorker']>) => boolean, what: string) {
  return waitFor(() => {
    const w = mesh.peers().find(p => p.peerId === workerPeerId && p.status === 'alive')?.state.rpcWorker
    return w !== undefined && ok(w) ? w : undefined
  }, what, 60_000)
}

/** Pid and port of the ggml-rpc-server of the node with `dataDir`: the process whose LLAMA_CACHE is in it. */
async function findWorkerProcess(dataDir: string): Promise<{ pid: number; port: number } | undefined> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const exe = await readlink(`/proc/${entry}/exe`).catch(() => '')
    if (!exe.endsWith('ggml-rpc-server')) continue
    const env = await readFile(`/proc/${entry}/environ`, 'utf8').catch(() => '')
    if (!env.includes(`LLAMA_CACHE=${join(dataDir, 'rpc-tensor-cache')}`)) continue
    const args = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).split('\0')
    return { pid: Number(entry), port: Number(args[args.indexOf('-p') + 1]) }
  }
  return undefined
}

/** The same, waited for (B by default). */
async function workerProcess(dataDir = worker.dataDir): Promise<{ pid: number; port: number }> {
  return waitFor(() => findWorkerProcess(dataDir), `the ggml-rpc-server of ${dataDir}`)
}

// on a fresh machine the set-up's background build may still be running: wait for it first
beforeAll(() => rpcBinaries(), RPC_BINARIES_WAIT_MS)
beforeAll(async () => {
  bins = await rpcBinaries()
  // readable: word pieces only, so the server's output parser accepts what random weights write
  model = await tinyModel('shard-tiny', { layers: 8, embd: 128, ff: 256, readable: true })
  const dataDir = await tempDir()
  await writeFile(join(dataDir, 'config.json'), JSON.stringify({ sharding: { leaseTtlMs: TTL_MS } }))
  worker = await startAgent({ name: 'lender', dataDir, clusterKey: key, args: ['--rpc-worker'], env: { LLMLB_RPC_CACHE: machineRpcCache() } })
  workerPeerId = ((await (await fetch(`${worker.url}/api/nodes`)).json()) as { data: { self: boolean; peer_id: string }[] }).data.find(n => n.self)?.peer_id ?? ''
}, 180_000)

afterEach(async () => {
  await Promise.all(servers.splice(0).map(s => s.stop()))
})

afterAll(async () => {
  await Promise.all(meshes.splice(0).map(m => m.stop({ leave: false })))
  await stopAllAgents()
})

describe('RPC worker leases through the mesh tunnel', () => {
  it('a split llama-server over the tunnel answers what the whole model answers; the worker is loopback only', async () => {
    const a = await coordinator('coord-a')
    const advert = await advertWhen(a.mesh, w => w.state === 'up', "B's worker to be up")
    expect(advert).toMatchObject({ protocol: bins.protocol, bundle: bins.bundleCommit, backend: bins.backend })
    expect(advert.totalBytes).toBeGreaterThan(0)

    const lease = await a.leaser.acquire(workerPeerId, { model: 'shard-tiny', bytes: 1 << 20 })
    try {
      await advertWhen(a.mesh, w => w.leasedBy === a.mesh.peerId(), 'the advert to name the holder')
      const split = await startLlamaServer(bins.server, model, ['--rpc', lease.endpoint, '-ngl', '99'])
      servers.push(split)
      const whole = await startLlamaServer(bins.server, model, ['-ngl', '0'])
      servers.push(whole)
      const viaWorker = await greedyCompletion(split)
      expect(viaWorker).toBe(await greedyCompletion(whole))
      // the layers really went through the tunnel: the tensors out, the results back
      expect(lease.stats().bytesToWorker).toBeGreaterThan(100_000)
      expect(lease.stats().bytesFromWorker).toBeGreaterThan(0)

      const { port } = await workerProcess()
      const hexPort = port.toString(16).toUpperCase().padStart(4, '0')
      const listening = (await readFile('/proc/net/tcp', 'utf8')).split('\n').filter(l => l.split(/\s+/)[2]?.endsWith(`:${hexPort}`) && l.split(/\s+/)[4] === '0A')
      expect(listening.map(l => l.split(/\s+/)[2])).toEqual([`0100007F:${hexPort}`])
      expect((await readFile('/proc/net/tcp6', 'utf8')).includes(`:${hexPort} `)).toBe(false)

      await split.stop()
    } finally {
      await lease.release()
    }
    // idempotent
    await lease.release()
    await advertWhen(a.mesh, w => w.leasedBy === undefined, 'the advert to show the worker free after release')
  })

  it('refuses a second coordinator (409 worker_busy, tunnel refused) and a node with another cluster key', async () => {
    const a = await coordinator('coord-a2')
    const c = await coordinator('coord-c')
    await advertWhen(c.mesh, w => w.state === 'up' && w.leasedBy === undefined, "B's worker to be free")
    const lease = await a.leaser.acquire(workerPeerId, { model: 'shard-tiny', bytes: 1 })
    try {
      const busy = await c.leaser.acquire(workerPeerId, { model: 'other', bytes: 1 }).catch((err: unknown) => err)
      expect(busy).toBeInstanceOf(WorkerBusyError)
      expect(busy).toMatchObject({ code: 'worker_busy' })
      await expect(c.mesh.openTunnel(workerPeerId, 'rpc-worker')).rejects.toMatchObject({ code: 'refused', message: expect.stringContaining('not the lease holder') })
      const outsider = await coordinator('outsider', generateClusterKey())
      await expect(outsider.mesh.openTunnel(workerPeerId, 'rpc-worker')).rejects.toMatchObject({ code: 'peer_unreachable' })
    } finally {
      await lease.release()
    }
  })

  it('the lease of a holder killed with SIGKILL expires within its ttl and the worker is free again', async () => {
    const c = await coordinator('observer')
    await advertWhen(c.mesh, w => w.state === 'up' && w.leasedBy === undefined, "B's worker to be free")
    const holder = await startLeaseHolder(key, await meshAddress(worker), workerPeerId)
    await advertWhen(c.mesh, w => w.leasedBy === holder.peerId, 'the advert to name the holder process')
    holder.proc.kill('SIGKILL')
    await advertWhen(c.mesh, w => w.leasedBy === undefined, 'the lease to expire after the holder died')
    const lease = await c.leaser.acquire(workerPeerId, { model: 'shard-tiny', bytes: 1 })
    await lease.release()
  })

  it('a worker killed with SIGKILL is restarted, its advert is up again, and the holder loses the lease', async () => {
    const a = await coordinator('coord-k')
    await advertWhen(a.mesh, w => w.state === 'up' && w.leasedBy === undefined, "B's worker to be free")
    const lease = await a.leaser.acquire(workerPeerId, { model: 'shard-tiny', bytes: 1 })
    await advertWhen(a.mesh, w => w.leasedBy === a.mesh.peerId(), 'the advert to name the holder')
    const before = await workerProcess()
    const lost = new Promise<unknown>(resolve => lease.lost.addEventListener('abort', () => resolve(lease.lost.reason)))
    process.kill(before.pid, 'SIGKILL')
    expect(await within(lost, 'the holder to lose its lease')).toMatchObject({ code: 'worker_unavailable' })
    await waitFor(async () => (await workerProcess()).pid !== before.pid, 'a new worker process')
    await advertWhen(a.mesh, w => w.state === 'up' && w.leasedBy === undefined, 'the restarted worker to be up and free')
    // and it can be leased again
    const again = await a.leaser.acquire(workerPeerId, { model: 'shard-tiny', bytes: 1 })
    await again.release()
  })

  it('the holder loses the lease when the worker node dies', async () => {
    const dataDir = await tempDir()
    await writeFile(join(dataDir, 'config.json'), JSON.stringify({ sharding: { leaseTtlMs: TTL_MS } }))
    const second = await startAgent({ name: 'lender-2', dataDir, clusterKey: key, peers: [await meshAddress(worker)], args: ['--rpc-worker'], env: { LLMLB_RPC_CACHE: machineRpcCache() } })
    const secondId = ((await (await fetch(`${second.url}/api/nodes`)).json()) as { data: { self: boolean; peer_id: string }[] }).data.find(n => n.self)?.peer_id ?? ''
    const a = await coordinator('coord-d')
    await waitFor(() => a.mesh.peers().some(p => p.peerId === secondId && p.state.rpcWorker?.state === 'up'), "the second node's worker to be up", 60_000)
    // gossip tells of the second node (through the first) before this mesh has a connection of its own to
    // it: on a loaded box (stress-ng, CI) that first dial can outlast a stream open. Until it is reachable
    // the lease call never left this node (peer_unreachable), so asking again is safe.
    let acquired: Awaited<ReturnType<MeshWorkerLeaser['acquire']>> | undefined
    await waitFor(async () => {
      acquired = await a.leaser.acquire(secondId, { model: 'shard-tiny', bytes: 1 }).catch((err: unknown) => {
        if ((err as { cause?: { code?: string } }).cause?.code === 'peer_unreachable') return undefined
        throw err
      })
      return acquired !== undefined
    }, "a lease on the second node's worker", 60_000)
    const lease = acquired as NonNullable<typeof acquired>
    const lost = new Promise<unknown>(resolve => lease.lost.addEventListener('abort', () => resolve(lease.lost.reason)))
    await workerProcess(second.dataDir)
    await second.kill()
    // the worker does not outlive its node, even one killed with SIGKILL
    await waitFor(async () => (await findWorkerProcess(second.dataDir)) === undefined, 'the dead node\'s worker to exit')
    expect(await within(lost, 'the holder to lose the lease of a dead node')).toMatchObject({ code: 'worker_unavailable' })
    // its endpoint no longer accepts connections
    await expect(new Promise((resolve, reject) => {
      const [host, port] = lease.endpoint.split(':')
      const s = connect({ host, port: Number(port) })
      s.on('connect', () => { s.destroy(); resolve('connected') })
      s.on('error', reject)
    })).rejects.toMatchObject({ code: 'ECONNREFUSED' })
  })
})
