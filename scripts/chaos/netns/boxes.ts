/**
 * Real `llmlb serve` processes in the lab's namespaces (production timings, mDNS discovery, auth on),
 * and the client side the scenarios share: authenticated calls, a poller of every box's view of the
 * cluster (alive/down transitions), and the cluster's admin key (the first box's initial key, which
 * wins everywhere as the oldest bootstrap default).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { writeTinyGguf } from '../../../native-runtime/src/gguf/tiny-gguf.js'
import { CLI, waitUntil } from '../../bench/agent-proc.js'
import { SCOPES } from '../../../agent/src/auth/index.js'
import { readLock } from '../../../agent/src/node/data-dir-lock.js'
import type { NetnsLab } from './lab.js'

export const HTTP_PORT = 32768

export interface Box {
  i: number
  name: string
  url: string
  dataDir: string
  proc: ChildProcess
}

export interface BoxSpec {
  /** Models this box holds (generated tiny GGUFs, one per name). */
  models: string[]
  /** Extra environment (e.g. libfaketime's LD_PRELOAD and FAKETIME). */
  env?: Record<string, string>
}

/** Starts box `i` in its namespace and waits until it answers `/ready`'s route. */
export async function startBox(lab: NetnsLab, dir: string, i: number, key: string, spec: BoxSpec): Promise<Box> {
  const dataDir = join(dir, `box${i}`)
  await mkdir(dataDir, { recursive: true })
  const models: string[] = []
  for (const m of spec.models) {
    // one file per box: a file another box's runtime has mapped is never rewritten
    const path = join(dataDir, `${m}.gguf`)
    await writeTinyGguf(path, { name: m })
    models.push('--model', path)
  }
  const name = `box${i}`
  const env = Object.entries(spec.env ?? {}).map(([k, v]) => `${k}=${v}`)
  const log = openSync(join(dir, `${name}.log`), 'a')
  const proc = spawn('ip', ['netns', 'exec', lab.ns(i), 'env', ...env, process.execPath, CLI, 'serve', '--name', name, '--data-dir', dataDir, '--host', '0.0.0.0', '--cluster-key', key, '--log-level', 'warn', ...models], {
    stdio: ['ignore', log, log]
  })
  closeSync(log)
  const url = `http://${lab.ip(i)}:${HTTP_PORT}`
  await waitUntil(async () => (await fetch(`${url}/ready`)).status > 0, 180_000, `${name} listening`, 200).catch(async (err: unknown) => {
    const tail = (await readFile(join(dir, `${name}.log`), 'utf8')).split('\n').slice(-6).join('\n')
    throw new Error(`${(err as Error).message}; its log ends:\n${tail}`)
  })
  return { i, name, url, dataDir, proc }
}

export const auth = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` })

/** Creates an API key through `box` (`as`: a key or token with keys:manage) and returns it. */
export async function createKey(box: Box, as: string, body: Record<string, unknown>): Promise<{ id: string; key: string }> {
  const r = await fetch(`${box.url}/api/keys`, { method: 'POST', headers: { ...auth(as), 'content-type': 'application/json' }, body: JSON.stringify(body) })
  if (r.status !== 201) throw new Error(`create key on ${box.name}: ${r.status} ${await r.text()}`)
  return (await r.json()) as { id: string; key: string }
}

export async function revokeKey(box: Box, as: string, id: string): Promise<void> {
  const r = await fetch(`${box.url}/api/keys/${id}`, { method: 'DELETE', headers: auth(as) })
  if (r.status !== 204) throw new Error(`revoke key on ${box.name}: ${r.status} ${await r.text()}`)
}

/** Ids of the API keys `box` holds, sorted (the admin API's view of the replicated store). */
export async function keyIds(box: Box, as: string): Promise<string> {
  const r = await fetch(`${box.url}/api/keys`, { headers: auth(as), signal: AbortSignal.timeout(5_000) })
  return ((await r.json()) as { data: { id: string }[] }).data.map((k) => k.id).sort().join(',')
}

/** An all-scopes API key, made with the first box's local admin token (it replicates to every box). */
async function adminKey(box: Box): Promise<string> {
  // the token is issued after the port opens and before the lock names it: wait for the lock, as the CLI does
  await waitUntil(async () => ((await readLock(box.dataDir))?.port ?? 0) > 0, 60_000, `${box.name}'s lock`, 100)
  const token = (await readFile(join(box.dataDir, 'local-admin.token'), 'utf8')).trim()
  return (await createKey(box, token, { name: 'chaos-admin', scopes: [...SCOPES] })).key
}

interface NodeRow {
  name: string
  status: string
  self: boolean
  rtt_ms?: number | null
}

export async function nodesOf(box: Box, key: string): Promise<NodeRow[]> {
  const r = await fetch(`${box.url}/api/nodes`, { headers: auth(key), signal: AbortSignal.timeout(5_000) })
  if (r.status !== 200) throw new Error(`/api/nodes ${r.status}`)
  return ((await r.json()) as { data: NodeRow[] }).data
}

/** Names `box` sees alive (itself included). */
export async function aliveOf(box: Box, key: string): Promise<string[]> {
  return (await nodesOf(box, key)).filter((n) => n.self || n.status === 'alive').map((n) => n.name).sort()
}

export interface Transition {
  viewer: string
  peer: string
  status: 'alive' | 'down'
  at: number
}

/** Polls every box's `/api/nodes` (every 250 ms) and records each alive ⇄ dead/left transition it sees. */
export function watchViews(boxes: Box[], key: string) {
  const last = new Map<string, string>()
  const transitions: Transition[] = []
  let stop = false
  const loops = boxes.map(async (b) => {
    while (!stop) {
      try {
        const seen = await nodesOf(b, key)
        // a dead peer may be listed as dead or not at all: a peer that vanished from the view is down
        for (const [k, v] of last) {
          const [viewer, peer] = k.split('>') as [string, string]
          if (viewer === b.name && v === 'alive' && !seen.some((n) => n.name === peer)) {
            transitions.push({ viewer, peer, status: 'down', at: performance.now() })
            last.set(k, 'down')
          }
        }
        for (const n of seen) {
          // alive ⇄ dead only: `suspect` is membership's "not sure yet" (a benign reconnect costs one
          // suspect/update pair, specs/membership.md), not a flap
          if (n.self || n.status === 'suspect') continue
          const k = `${b.name}>${n.name}`
          const s = n.status === 'alive' ? 'alive' : 'down'
          if (last.has(k) && last.get(k) !== s) transitions.push({ viewer: b.name, peer: n.name, status: s, at: performance.now() })
          last.set(k, s)
        }
      } catch {
        // the box is busy or cut off from this poller; next poll
      }
      await new Promise((r) => setTimeout(r, 250))
    }
  })
  return {
    transitions,
    stop: async () => {
      stop = true
      await Promise.all(loops)
    }
  }
}

export interface Sent {
  id: string
  model: string
  via: string
  status: number
  ms: number
  servedBy: string | null
}

/** One non-stream chat request through `box`, with its own request id. */
export async function chat(box: Box, key: string, model: string, id: string): Promise<Sent> {
  const t0 = performance.now()
  try {
    const r = await fetch(`${box.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...auth(key), 'content-type': 'application/json', 'x-request-id': id },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: `request ${id}` }], max_tokens: 4 }),
      signal: AbortSignal.timeout(60_000)
    })
    await r.arrayBuffer()
    return { id, model, via: box.name, status: r.status, ms: performance.now() - t0, servedBy: r.headers.get('x-llmlb-served-by') }
  } catch {
    return { id, model, via: box.name, status: 0, ms: performance.now() - t0, servedBy: null }
  }
}

/** How many of the successful requests have no history record on their ingress. */
export async function recordsLost(boxes: Box[], key: string, sent: Sent[]): Promise<number> {
  let lost = 0
  for (const s of sent.filter((x) => x.status === 200)) {
    const box = boxes.find((b) => b.name === s.via)
    if (!box || (await fetch(`${box.url}/api/history/${s.id}`, { headers: auth(key) })).status !== 200) lost++
  }
  return lost
}

/** Status of `/v1/models` with `key` on `box` (200 accepted, 401 refused; 0 unreachable). */
export async function keyStatus(box: Box, key: string): Promise<number> {
  try {
    return (await fetch(`${box.url}/v1/models`, { headers: auth(key), signal: AbortSignal.timeout(5_000) })).status
  } catch {
    return 0
  }
}

/** Starts boxes 1..n (box 1 first: its bootstrap defaults are the cluster's) and waits for a full mesh. */
export async function startCluster(lab: NetnsLab, dir: string, specs: BoxSpec[], clusterKey: string): Promise<{ boxes: Box[]; key: string }> {
  const boxes: Box[] = [await startBox(lab, dir, 1, clusterKey, specs[0] as BoxSpec)]
  const key = await adminKey(boxes[0] as Box)
  boxes.push(...(await Promise.all(specs.slice(1).map((s, k) => startBox(lab, dir, k + 2, clusterKey, s)))))
  const all = boxes.map((b) => b.name).sort().join(',')
  for (const b of boxes) await waitUntil(async () => (await keyStatus(b, key)) === 200 && (await aliveOf(b, key)).join(',') === all, 90_000, `${b.name} sees the whole cluster`, 200)
  return { boxes, key }
}

export async function stopBoxes(boxes: Box[]): Promise<void> {
  await Promise.all(
    boxes.map(async (b) => {
      if (b.proc.exitCode !== null || b.proc.signalCode !== null) return
      const exited = new Promise<void>((r) => b.proc.once('exit', () => r()))
      b.proc.kill('SIGKILL')
      await exited
    })
  )
}
