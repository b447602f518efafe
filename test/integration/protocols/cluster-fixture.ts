/**
 * A 3-node cluster with authentication on where only the third node serves the model: clients talk to
 * the first node, so every request is translated there and served by another node. Shared by the
 * Anthropic and Ollama client suites.
 */
import { localAdminHeaders, meshAddress, startAgent, tinyModel, waitFor, type RunningAgent } from '../../helpers/agent-process.js'
import type { TinyGgufOptions } from '../../../native-runtime/src/gguf/tiny-gguf.js'

export interface ProtocolCluster {
  ingress: RunningAgent
  server: RunningAgent
  nodes: RunningAgent[]
  /** The first node's initial API key (every scope a client needs). */
  key: string
  model: string
}

/** Starts the cluster and waits until the ingress sees the model. */
export async function startProtocolCluster(clusterKey: string, model = 'model-p', opts: TinyGgufOptions = {}, args: string[] = []): Promise<ProtocolCluster> {
  const n1 = await startAgent({ name: 'p1', clusterKey, auth: true, adminPassword: 'protocols-admin-1' })
  const seed = await meshAddress(n1)
  const [n2, n3] = await Promise.all([
    startAgent({ name: 'p2', clusterKey, peers: [seed], auth: true }),
    startAgent({ name: 'p3', models: [await tinyModel(model, { readable: true, ...opts })], clusterKey, peers: [seed], auth: true, args })
  ])
  const key = /API key:\s+(llmlb_initial_\S+)/.exec(n1.output())?.[1] ?? ''
  if (!key) throw new Error(`no initial key in the output of ${n1.name}`)
  await waitFor(async () => {
    const r = await fetch(`${n1.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })
    const body = (await r.json()) as { data: { id: string }[] }
    return body.data.some((m) => m.id === model)
  }, `${n1.name} to see ${model}`, 60_000)
  return { ingress: n1, server: n3, nodes: [n1, n2, n3], key, model }
}

/** One history record as the API lists it. */
export interface HistoryEntry {
  id: string
  api: string
  model: string
  servedBy: string | null
  status: number
  outcome: string
  error: { code: string; message: string } | null
  stream: boolean
  inputTokens: number
  outputTokens: number
}

/** The ingress's history records of `api`. */
export async function historyOf(c: ProtocolCluster, api: string): Promise<HistoryEntry[]> {
  const r = await fetch(`${c.ingress.url}/api/history?per_page=500`, { headers: await localAdminHeaders(c.ingress) })
  const body = (await r.json()) as { data: HistoryEntry[] }
  return body.data.filter((e) => e.api === api)
}
