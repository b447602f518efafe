/**
 * `--auto-shard` and a coordinator that dies. No node's memory budget (1 KB here, in every node's config
 * file) fits the model, so the two nodes that hold its file and run with `--auto-shard` split it without
 * a mark. Then the coordinator is killed: its peers see it dead, its lease on the one worker expires (a
 * 3 s TTL here), and the other holder takes over, leases that worker and serves the split model again,
 * with no manual step; the dead agent's llama-server stops with it.
 */
import { execFileSync } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import OpenAI from 'openai'
import { afterAll, beforeAll, expect, it } from 'vitest'
import type { ShardView } from '../../../agent/src/sharding/index.js'
import { meshAddress, nodesOf, startAgent, stopAllAgents, tempDir, tinyModel, waitFor, type RunningAgent } from '../../helpers/agent-process.js'
import { machineRpcCache, rpcBinaries, RPC_BINARIES_WAIT_MS } from '../../helpers/rpc-binaries.js'

const M = 'split-takeover'
const KEY = '6b'.repeat(32)
let holders: RunningAgent[] = []
let w1: RunningAgent
/** The llama-server processes of the killed agent (its shell and the server under it). */
const orphans: number[] = []

async function shards(a: RunningAgent): Promise<ShardView[]> {
  return ((await (await fetch(`${a.url}/api/shards`)).json()) as { data: ShardView[] }).data
}

function childPids(ppid: number, name: string): number[] {
  const out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(ppid)], { encoding: 'utf8' }).trim()
  return out.split('\n').filter((l) => l.includes(name)).map((l) => Number(l.trim().split(/\s+/)[0]))
}

/** Gone, or a zombie nobody reaped yet (it holds no memory). */
function gone(pid: number): boolean {
  try {
    return execFileSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).trim().startsWith('Z')
  } catch {
    return true
  }
}

// on a fresh machine the set-up's background build may still be running: wait for it first
beforeAll(() => rpcBinaries(), RPC_BINARIES_WAIT_MS)
beforeAll(async () => {
  const path = await tinyModel(M, { layers: 8, embd: 128, heads: 4, ctx: 512 })
  const env = { LLMLB_RPC_CACHE: machineRpcCache() }
  const args = ['--ctx-size', '256']
  // no budget fits the model; a dead coordinator's leases are free again after 3 s instead of 15 s
  const dataDir = async (): Promise<string> => {
    const dir = await tempDir()
    await writeFile(join(dir, 'config.json'), JSON.stringify({ modelStore: { memoryBudgetBytes: 1024 }, sharding: { leaseTtlMs: 3000 } }))
    return dir
  }
  const holder = async (name: string, peers: string[]): Promise<RunningAgent> => startAgent({ name, dataDir: await dataDir(), models: [path], readyModels: 0, env, args: [...args, '--auto-shard'], clusterKey: KEY, peers })
  const first = await holder('h1', [])
  const peer = await meshAddress(first)
  holders = [first, await holder('h2', [peer])]
  // one worker: the take-over must wait for the dead coordinator's lease on it to expire
  w1 = await startAgent({ name: 'w1', dataDir: await dataDir(), peers: [peer], clusterKey: KEY, env, args: [...args, '--rpc-worker', '--threads', '1'] })
  await waitFor(async () => (await nodesOf(w1)).length === 3, 'w1 to see the cluster', 60_000, 100)
}, 300_000)

afterAll(async () => {
  await stopAllAgents()
  for (const pid of orphans) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone (it aborts when its workers' tunnels close)
    }
  }
})

it('a model no budget fits is split without a mark; the other holder takes over when the coordinator dies', async () => {
  // the holders list the models they split by themselves (w1 runs without --auto-shard)
  const first = await waitFor(async () => (await shards(holders[1] as RunningAgent)).find((v) => v.id === M && v.auto && v.state === 'serving'), `${M} to be split by --auto-shard`, 180_000, 100)
  expect(first.mark).toBeUndefined()
  const dead = holders.find((h) => h.name === first.coordinator?.name) as RunningAgent
  const next = holders.find((h) => h !== dead) as RunningAgent
  // while it is served split, the other holder does not offer it as a stored model to load whole
  await waitFor(async () => (await nodesOf(w1)).some((n) => n.name === next.name && !n.models.some((m) => m.id === M)), `${next.name} to stop advertising ${M} as stored`, 60_000, 100)
  const shells = childPids(dead.pid, 'llama-server')
  orphans.push(...shells, ...shells.flatMap((p) => childPids(p, 'llama-server')))
  expect(orphans.length).toBeGreaterThanOrEqual(2)
  await dead.kill()

  const v = await waitFor(async () => (await shards(next)).find((x) => x.id === M && x.state === 'serving' && x.coordinator?.name === next.name), `${next.name} to take over`, 180_000, 200)
  expect(v.workers.map((w) => w.name)).toEqual(['w1'])
  const client = new OpenAI({ baseURL: `${w1.url}/v1`, apiKey: 'unused', maxRetries: 0 })
  const r = await waitFor(() => client.completions.create({ model: M, prompt: 'hello', max_tokens: 4, temperature: 0 }).catch(() => undefined), `${M} through w1 after the take-over`, 60_000, 100)
  expect(r.choices[0]?.text.length).toBeGreaterThan(0)
  expect(r.choices.length).toBe(1)
  // the dead agent's llama-server did not outlive it
  await waitFor(() => orphans.every(gone), 'the dead coordinator\'s llama-server to stop', 30_000, 100)
}, 400_000)
