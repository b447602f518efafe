/**
 * A coordinator in its own process for the tests that kill it: a bare mesh member (the built `dist/`)
 * that leases one worker through MeshWorkerLeaser and prints `{"endpoint": …}` once it holds it.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { REPO_ROOT, waitFor } from './agent-process.js'

const SCRIPT = `
const [polyfillUrl, meshUrl, shardUrl, key, peer, worker] = process.argv.slice(1)
await import(polyfillUrl)
const { Libp2pMesh, TEST_MESH_TIMINGS } = await import(meshUrl)
const { MeshWorkerLeaser } = await import(shardUrl)
const { pino } = await import('pino')
const logger = pino({ level: 'warn' })
const mesh = new Libp2pMesh({ logger }, { ...TEST_MESH_TIMINGS, name: 'holder', listenHost: '127.0.0.1', port: 0, clusterKey: key, peers: [peer] })
await mesh.start()
while (!mesh.peers().some(p => p.peerId === worker && p.state.rpcWorker?.state === 'up')) await new Promise(r => setTimeout(r, 50))
const lease = await new MeshWorkerLeaser({ mesh, logger }).acquire(worker, { model: 'tiny', bytes: 1 })
console.log(JSON.stringify({ endpoint: lease.endpoint, peerId: mesh.peerId() }))
`

export interface LeaseHolder {
  proc: ChildProcess
  peerId: string
  endpoint: string
}

export async function startLeaseHolder(clusterKey: string, peer: string, workerPeerId: string): Promise<LeaseHolder> {
  const url = (p: string): string => `file://${join(REPO_ROOT, 'dist', p)}`
  const proc = spawn(process.execPath, ['--input-type=module', '-e', SCRIPT, url('mesh/src/polyfill.js'), url('mesh/src/index.js'), url('agent/src/sharding/index.js'), clusterKey, peer, workerPeerId], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  proc.stdout?.on('data', d => (out += d))
  proc.stderr?.on('data', d => (out += d))
  const line = await waitFor(() => {
    if (proc.exitCode !== null) throw new Error(`lease holder exited with ${proc.exitCode}: ${out}`)
    return out.split('\n').find(l => l.startsWith('{"endpoint"'))
  }, 'the lease holder to hold its lease', 60_000)
  const { endpoint, peerId } = JSON.parse(line) as { endpoint: string; peerId: string }
  return { proc, peerId, endpoint }
}
