/**
 * The 3-node cluster of the tool tests: n1 serves a model with a tool-capable (Hermes-style) template
 * and a Matryoshka-named embedding model, n2 a plain model (no template, no tools), n3 another plain
 * model; clients talk to n3, so every tool request is forwarded.
 */
import { meshAddress, modelIdsOf, startAgent, tinyModel, waitFor, type RunningAgent } from '../../helpers/agent-process.js'

export const TOOLS_MODEL = 'tools-m'
export const EMBED_MODEL = 'nomic-embed-text-v1.5-tiny'
export const PLAIN_MODEL = 'plain-m'

export interface ToolsCluster {
  n1: RunningAgent
  n2: RunningAgent
  n3: RunningAgent
}

export async function startToolsCluster(key: string): Promise<ToolsCluster> {
  const args = ['--ctx-size', '4096']
  const n1 = await startAgent({ name: 'n1', models: [await tinyModel(TOOLS_MODEL, { template: 'hermes', ctx: 4096 }), await tinyModel(EMBED_MODEL, { seed: 5 })], clusterKey: key, args })
  const seed = await meshAddress(n1)
  const [n2, n3] = await Promise.all([
    startAgent({ name: 'n2', models: [await tinyModel(PLAIN_MODEL, { seed: 2 })], clusterKey: key, peers: [seed] }),
    startAgent({ name: 'n3', models: [await tinyModel('other-m', { seed: 3 })], clusterKey: key, peers: [seed] })
  ])
  await waitFor(async () => (await modelIdsOf(n3)).length === 4, 'n3 to see 4 models', 30_000)
  return { n1, n2, n3 }
}

/** The history record of a request at `node`, once it is written. */
export async function historyOf(node: RunningAgent, id: string): Promise<{ servedBy: string; inputTokens: number; outputTokens: number; outcome: string }> {
  return waitFor(async () => {
    const res = await fetch(`${node.url}/api/history/${id}`)
    return res.status === 200 ? ((await res.json()) as { servedBy: string; inputTokens: number; outputTokens: number; outcome: string }) : undefined
  }, `history of ${id}`)
}
