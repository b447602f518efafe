/**
 * Routing and queueing with real agents: load spreads by capacity, a full queue answers 429 with
 * Retry-After and recovers, a capability mismatch is a clear 400.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { meshAddress, nodesOf, startAgent, stopAllAgents, tempDir, tinyModel, waitFor, type RunningAgent } from '../../helpers/agent-process.js'
import { RTT_PROBE_TIMEOUT_MS } from '../../../mesh/src/constants.js'

afterAll(stopAllAgents)

const chat = (a: RunningAgent, body: object): Promise<Response> =>
  fetch(`${a.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

describe('routing', () => {
  it('a burst spreads over every holder by expected finish time, and every counter returns to zero', async () => {
    const key = 'c3'.repeat(32)
    // the same model everywhere; r3 has one slot where r1 and r2 have three. How many each gets follows
    // what each measured: on a 2-core box a 1-slot node, never running two at once, measures itself
    // up to 2.5x faster per request than a 3-slot one, and rightly gets a third of the burst. So the
    // slot arithmetic is asserted where speeds are equal by construction (select.spec.ts), shares on
    // real hardware are measured by `npm run bench -- routing-real`, and here the burst must reach all.
    const fastModel = await tinyModel('shared')
    const r1 = await startAgent({ name: 'r1', models: [fastModel], clusterKey: key, args: ['--slots', '3'] })
    const seed = await meshAddress(r1)
    const [r2, r3] = await Promise.all([
      startAgent({ name: 'r2', models: [fastModel], clusterKey: key, peers: [seed], args: ['--slots', '3'] }),
      startAgent({ name: 'r3', models: [fastModel], clusterKey: key, peers: [seed], args: ['--slots', '1'] })
    ])
    await waitFor(async () => (await nodesOf(r1)).filter((n) => n.status === 'alive' || n.self).length === 3, 'r1 to see r2 and r3', 60_000)
    // warm-up: every node measures its speed, as it would after its first requests (a warm-up sent to a
    // node may be routed elsewhere, so repeat until each node has served one itself)
    for (const a of [r1, r2, r3]) {
      await waitFor(async () => {
        await (await chat(a, { model: 'shared', messages: [{ role: 'user', content: 'hi' }], max_tokens: 16, ignore_eos: true })).arrayBuffer()
        return (await nodesOf(a)).find((n) => n.self)?.models[0]?.tokensPerSecond ?? 0
      }, `${a.name} to measure its speed`, 15_000)
    }
    await waitFor(async () => (await nodesOf(r1)).every((n) => n.models.every((m) => m.tokensPerSecond > 0)), 'speeds to be gossiped', 60_000)
    // and the ingress has timed its paths: on a loaded box the first pings to a node that is still
    // starting go unanswered, and a path none of whose pings answered reads the ping timeout (3 s) —
    // priced out of a burst that takes ~1 s (specs/routing.md, "served")
    await waitFor(async () => (await nodesOf(r1)).filter((n) => !n.self).every((n) => typeof n.rtt_ms === 'number' && n.rtt_ms < RTT_PROBE_TIMEOUT_MS), 'round trips to r2 and r3 to be measured', 60_000)
    const served = new Map<string, number>()
    const reasons = new Set<string>()
    const rs = await Promise.all(Array.from({ length: 24 }, () => chat(r1, { model: 'shared', messages: [{ role: 'user', content: 'hello there' }], max_tokens: 48, ignore_eos: true })))
    for (const r of rs) {
      expect(r.status).toBe(200)
      const by = r.headers.get('x-llmlb-served-by') as string
      served.set(by, (served.get(by) ?? 0) + 1)
      reasons.add(r.headers.get('x-llmlb-route-reason') as string)
      await r.arrayBuffer()
    }
    const n1 = served.get('r1') ?? 0
    const n2 = served.get('r2') ?? 0
    const n3 = served.get('r3') ?? 0
    expect(n1 + n2 + n3).toBe(24)
    // every holder serves part of it: neither the ingress nor one peer takes it all
    for (const n of [n1, n2, n3]) expect(n, `served ${JSON.stringify(Object.fromEntries(served))}`).toBeGreaterThan(0)
    for (const reason of reasons) expect(['local-free-slot', 'least-loaded', 'exploration', 'prefix-affinity']).toContain(reason)
    // every counter is back to zero once the burst is over
    await waitFor(async () => (await nodesOf(r1)).every((n) => n.inFlight === 0 && n.models.every((m) => m.slotsBusy === 0 && m.queueDepth === 0)), 'counters to return to zero', 60_000)
  })

  it('a full queue answers 429 with Retry-After, a long wait 503 with Retry-After, and the node recovers', async () => {
    const dataDir = await tempDir()
    await writeFile(join(dataDir, 'config.json'), JSON.stringify({ queue: { maxWaiters: 1, maxWaitMs: 1500 } }))
    const q = await startAgent({ name: 'queue', dataDir, models: [await tinyModel('qm', { layers: 4, embd: 256, ff: 1024, ctx: 4096 })], args: ['--slots', '1', '--ctx-size', '4096'] })
    const long = { model: 'qm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 100000, stream: true, ignore_eos: true }
    const ac = new AbortController()
    const first = await fetch(`${q.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify(long), signal: ac.signal })
    const reader = (first.body as ReadableStream<Uint8Array>).getReader()
    await reader.read()
    const waiting = chat(q, { model: 'qm', messages: [{ role: 'user', content: 'x' }], max_tokens: 2 })
    await waitFor(async () => (await nodesOf(q))[0]?.models[0]?.queueDepth === 1, 'one waiter', 60_000)
    const full = await chat(q, { model: 'qm', messages: [{ role: 'user', content: 'x' }], max_tokens: 2 })
    expect(full.status).toBe(429)
    expect(Number(full.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(((await full.json()) as { error: { code: string; type: string } }).error).toMatchObject({ code: 'queue_full', type: 'rate_limit_error' })
    const timedOut = await waiting
    expect(timedOut.status).toBe(503)
    expect(Number(timedOut.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(((await timedOut.json()) as { error: { code: string } }).error.code).toBe('queue_timeout')
    ac.abort()
    const after = await chat(q, { model: 'qm', messages: [{ role: 'user', content: 'x' }], max_tokens: 2 })
    expect(after.status).toBe(200)
    expect(Number(after.headers.get('x-llmlb-queue-wait-ms'))).toBeGreaterThanOrEqual(0)
  })

  it('capability mismatch is a 400 that names the capability and who has it', async () => {
    const a = await startAgent({ name: 'caps', models: [await tinyModel('plain')] })
    const img = await chat(a, {
      model: 'plain',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] }]
    })
    expect(img.status).toBe(400)
    const e = ((await img.json()) as { error: { code: string; message: string; param: string } }).error
    expect(e.code).toBe('model_capability_missing')
    expect(e.message).toContain('vision')
    expect(e.message).toContain('No model in this cluster does')
    const tools = await chat(a, { model: 'plain', messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function', function: { name: 'f', parameters: {} } }] })
    expect(tools.status).toBe(400)
    expect(((await tools.json()) as { error: { message: string } }).error.message).toContain('tools')
    expect((await chat(a, { model: 'plain', messages: [{ role: 'user', content: 'x' }], max_tokens: 2 })).status).toBe(200)
  })
})
