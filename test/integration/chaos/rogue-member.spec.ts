/**
 * A member with the cluster key that speaks garbage, against real agents: fuzzed gossip on the
 * node-state and control topics, fuzzed frames on forward streams. The node drops each bad message or
 * stream, never crashes, keeps its peer table as it was (no impostor, no changed entry), and keeps
 * forwarding real requests.
 */
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import OpenAI from 'openai'
import { meshAddress, nodesOf, startAgent, stopAllAgents, tinyModel, waitFor, type NodeEntry, type RunningAgent } from '../../helpers/agent-process.js'
import { parsePrometheusText, sampleSum } from '../../helpers/prom-text.js'
import { forwardGarbage, gossipGarbage, startRogue, type RogueMember } from '../../../scripts/chaos/rogue-member.js'
import { NODE_STATE_TOPIC } from '../../../mesh/src/protocol/node-state.js'
import { CONTROL_TOPIC } from '../../../agent/src/control-plane/entry.js'

const KEY = 'b7'.repeat(32)
const MODEL = 'rogue-target-model'
const RUNS = Number(process.env.LLMLB_FUZZ_RUNS ?? 150)
let target: RunningAgent
let other: RunningAgent
let rogue: RogueMember

const table = async (a: RunningAgent): Promise<{ name: string; peer_id: string | null; status: string }[]> =>
  (await nodesOf(a)).map((n: NodeEntry) => ({ name: n.name, peer_id: n.peer_id, status: n.status })).sort((x, y) => x.name.localeCompare(y.name))
const metric = async (a: RunningAgent, name: string, labels: Record<string, string> = {}): Promise<number> =>
  sampleSum(parsePrometheusText(await (await fetch(`${a.url}/metrics`)).text()), name, labels)

beforeAll(async () => {
  target = await startAgent({ name: 'target', models: [await tinyModel(MODEL)], clusterKey: KEY })
  const addr = await meshAddress(target)
  other = await startAgent({ name: 'other', clusterKey: KEY, peers: [addr] })
  await waitFor(async () => (await table(other)).some((n) => n.name === 'target' && n.status === 'alive') && (await table(target)).some((n) => n.name === 'other' && n.status === 'alive'), 'the two nodes to see each other', 60_000)
  rogue = await startRogue(KEY, addr, [CONTROL_TOPIC])
  const targetId = (await nodesOf(target)).find((n) => n.self)?.peer_id as string
  await waitFor(() => rogue.node.services.pubsub.getSubscribers(NODE_STATE_TOPIC).some((p) => p.toString() === targetId), 'the target to be in the rogue gossip mesh', 60_000)
}, 180_000)
afterAll(async () => {
  await rogue?.stop()
  await stopAllAgents()
})

describe('a member that speaks garbage', () => {
  it(`gossip: ${RUNS} fuzzed messages on the state and control topics are dropped, the peer tables stay as they were`, async () => {
    const before = { target: await table(target), other: await table(other) }
    const ids = [...before.target, ...before.other].map((n) => n.peer_id).filter((x): x is string => x !== null)
    const advert = { v: 1, seq: 1, name: 'rogue', peerId: rogue.peerId, version: '0.1.0', httpUrl: 'http://127.0.0.1:1', status: 'alive', startedAt: 1, models: [], cpu: { cores: 1, load1: 0 }, memory: { totalBytes: 1, freeBytes: 1 }, gpus: [], inFlight: 0, prefixes: {} }
    const droppedBefore = await metric(target, 'llmlb_gossip_messages_total', { direction: 'dropped' })
    await fc.assert(
      fc.asyncProperty(gossipGarbage(advert, ids), fc.boolean(), async (data, control) => {
        await rogue.publish(control ? CONTROL_TOPIC : NODE_STATE_TOPIC, data)
        return target.proc.exitCode === null
      }),
      { numRuns: RUNS }
    )
    await waitFor(async () => (await metric(target, 'llmlb_gossip_messages_total', { direction: 'dropped' })) > droppedBefore, 'the target to count dropped gossip', 30_000)
    for (const [name, a] of [['target', target], ['other', other]] as const) {
      // the rogue may appear under its own id when a mutation happened to be a valid advert of itself; nothing else changed
      const after = (await table(a)).filter((n) => n.peer_id !== rogue.peerId)
      expect(after).toEqual(before[name])
      expect(after.some((n) => n.name === 'impostor')).toBe(false)
    }
  }, 600_000)

  it(`forward: ${RUNS} fuzzed streams are dropped, the node keeps serving forwarded requests`, async () => {
    const targetId = (await nodesOf(target)).find((n) => n.self)?.peer_id as string
    const errorsBefore = await metric(target, 'llmlb_forward_errors_total')
    let closed = 0
    await fc.assert(
      fc.asyncProperty(forwardGarbage(), async (bytes) => {
        if ((await rogue.sendForward(targetId, bytes, 1_000)) === 'closed') closed++
        return target.proc.exitCode === null
      }),
      { numRuns: RUNS }
    )
    // most garbage is refused at once (a half request waits out the body deadline instead)
    expect(closed).toBeGreaterThan(RUNS / 2)
    expect(await metric(target, 'llmlb_forward_errors_total')).toBeGreaterThan(errorsBefore)
    const client = new OpenAI({ baseURL: `${other.url}/v1`, apiKey: 'x', maxRetries: 0 })
    const { response } = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 3 }).withResponse()
    expect(response.headers.get('x-llmlb-served-by')).toBe('target')
  }, 600_000)
})
