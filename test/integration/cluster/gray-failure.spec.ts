/**
 * Gray failures with real processes: an ingress (no model) in front of two holders of one model.
 * - A holder frozen with SIGSTOP: the requests waiting on it move to the other holder once membership
 *   declares it dead (clients keep completing requests while it is still frozen); a stream it had
 *   started ends with an SSE error event and a failed history record; after SIGCONT the abandoned
 *   work is cancelled there.
 * - A holder whose runtime hangs while the node itself keeps gossiping: requests move on after the
 *   head bound (configured low here), and the abandoned ones are cancelled on the holder.
 */
import { execFileSync } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import OpenAI from 'openai'
import { meshAddress, nodesOf, startAgent, stopAllAgents, tempDir, tinyModel, waitFor, type RunningAgent } from '../../helpers/agent-process.js'
import { parsePrometheusText, sampleSum } from '../../helpers/prom-text.js'

const KEY = 'c4'.repeat(32)
const MODEL = 'model-g'
let ingress: RunningAgent
let a: RunningAgent
let b: RunningAgent

/** Prometheus counter of a node. */
async function counter(node: RunningAgent, name: string): Promise<number> {
  return sampleSum(parsePrometheusText(await (await fetch(`${node.url}/metrics`)).text()), name)
}

/** The ingress's logged request failures (every attempt of each), for an assertion's message. */
function failureLog(): string {
  return ingress.output().split('\n').filter((l) => l.includes('"msg":"request failed"')).join('\n').slice(0, 8000)
}

/** Clients sending sequential requests through the ingress until stopped; records every outcome. */
function clients(n: number) {
  const client = new OpenAI({ baseURL: `${ingress.url}/v1`, apiKey: 'x', maxRetries: 0, timeout: 120_000 })
  const done = new Array<number>(n).fill(0)
  const failures: string[] = []
  const servedBy = new Set<string>()
  let failovers = 0
  let worstMs = 0
  let stop = false
  const loops = Array.from({ length: n }, async (_, i) => {
    while (!stop) {
      const t0 = performance.now()
      try {
        const { response } = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: `client ${i}` }], max_tokens: 4 }).withResponse()
        servedBy.add(response.headers.get('x-llmlb-served-by') ?? '?')
        if (response.headers.get('x-llmlb-route-reason') === 'failover') failovers++
        done[i] = (done[i] ?? 0) + 1
      } catch (err) {
        failures.push((err as Error).message)
      }
      worstMs = Math.max(worstMs, performance.now() - t0)
    }
  })
  return {
    done: () => [...done],
    failures,
    servedBy,
    failoversSeen: () => failovers,
    worstMs: () => worstMs,
    stop: async () => {
      stop = true
      await Promise.all(loops)
    }
  }
}

/** Waits until every client has completed `more` requests beyond `since`. */
async function everyClientProgresses(c: ReturnType<typeof clients>, since: number[], more: number, what: string): Promise<void> {
  await waitFor(() => c.done().every((d, i) => d >= (since[i] ?? 0) + more), what, 90_000)
}

beforeAll(async () => {
  // a long context, so a stream with ignore_eos is still generating when its holder freezes
  const model = await tinyModel(MODEL, { ctx: 8192 })
  const dataDir = await tempDir()
  // a head bound low enough for the hung-runtime case, high enough that a loaded box's normal answers stay within it
  await writeFile(join(dataDir, 'config.json'), JSON.stringify({ routing: { failover: { headTimeoutFloorMs: 8000 } } }))
  ingress = await startAgent({ name: 'ingress', clusterKey: KEY, dataDir })
  const seed = await meshAddress(ingress)
  ;[a, b] = await Promise.all([
    startAgent({ name: 'holder-a', models: [model], clusterKey: KEY, peers: [seed], args: ['--ctx-size', '8192'] }),
    startAgent({ name: 'holder-b', models: [model], clusterKey: KEY, peers: [seed], args: ['--ctx-size', '8192'] })
  ])
  await waitFor(async () => (await nodesOf(ingress)).filter((n) => n.status === 'alive' && n.models.some((m) => m.id === MODEL)).length === 2, 'the ingress to see both holders', 60_000)
}, 180_000)
afterAll(async () => {
  for (const x of [a, b]) if (x) {
    try {
      process.kill(x.pid, 'SIGCONT')
    } catch {
      // already gone
    }
  }
  await stopAllAgents()
})

/** Both holders alive again in the ingress's view. */
const bothAlive = (): Promise<boolean> => nodesOf(ingress).then((ns) => ns.filter((n) => n.status === 'alive' && n.models.some((m) => m.id === MODEL)).length === 2)

describe('gray failures', () => {
  it('a holder frozen with SIGSTOP: waiting requests move on at detection, its started stream ends with an error event, its work is cancelled on SIGCONT', async () => {
    const c = clients(8)
    await everyClientProgresses(c, new Array(8).fill(0), 2, 'every client to complete requests')
    const cancelledBefore = await counter(a, 'llmlb_forwards_cancelled_total')
    // a long stream that lands on holder A, with its first bytes received: A freezes right then
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined
    let streamId = ''
    const readers: ReadableStreamDefaultReader<Uint8Array>[] = []
    await waitFor(async () => {
      const r = await fetch(`${ingress.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'go on' }], max_tokens: 100000, ignore_eos: true, stream: true })
      })
      const rd = (r.body as ReadableStream<Uint8Array>).getReader()
      if (r.headers.get('x-llmlb-served-by') !== 'holder-a') {
        // one endless stream kept on B makes the router prefer A for the next; more would fill B's two
        // slots and queue the clients there past the head bound
        if (readers.length === 0) readers.push(rd)
        else await rd.cancel()
        return false
      }
      await rd.read()
      process.kill(a.pid, 'SIGSTOP')
      reader = rd
      streamId = r.headers.get('x-request-id') ?? ''
      return true
    }, 'a stream served by holder-a', 60_000, 0)
    for (const rd of readers) await rd.cancel()
    const atFreeze = c.done()
    // while A stays frozen, every client keeps completing requests: none waits for A to resume
    await everyClientProgresses(c, atFreeze, 5, 'every client to complete 5 requests while holder-a is frozen')
    // the stream A had started ends with one error event (its status was sent long ago)
    let text = ''
    const decoder = new TextDecoder()
    for (let r = await (reader as ReadableStreamDefaultReader<Uint8Array>).read(); !r.done; r = await (reader as ReadableStreamDefaultReader<Uint8Array>).read()) text += decoder.decode(r.value, { stream: true })
    const events = text.split('\n\n').filter((e) => e.startsWith('data: '))
    const last = JSON.parse((events.at(-1) as string).slice(6)) as { error?: { code: string; type: string } }
    expect(last.error).toMatchObject({ code: 'stream_failed', type: 'server_error' })
    expect(text).not.toContain('[DONE]')
    const record = (await (await fetch(`${ingress.url}/api/history/${streamId}`)).json()) as { status: number; outcome: string; error: { code: string } | null; servedBy: string }
    expect(record.servedBy).toBe('holder-a')
    expect(record.error?.code).toBe('stream_failed')
    expect(record.outcome).not.toBe('success')

    process.kill(a.pid, 'SIGCONT')
    // A sees the reset of the stream it was serving and stops generating
    await waitFor(async () => (await counter(a, 'llmlb_forwards_cancelled_total')) > cancelledBefore, 'holder-a to cancel the abandoned stream', 60_000)
    await waitFor(async () => (await nodesOf(a)).find((n) => n.self)?.models.find((m) => m.id === MODEL)?.slotsBusy === 0, 'holder-a to free its slots', 60_000)
    await waitFor(bothAlive, 'holder-a to be alive again', 60_000)
    await c.stop()
    expect(c.failures, failureLog()).toEqual([])
    expect(c.servedBy.has('holder-b')).toBe(true)
    console.log(`SIGSTOP: ${c.done().reduce((s, d) => s + d, 0)} requests, ${c.failoversSeen()} failed over, worst ${Math.round(c.worstMs())} ms`)
  }, 300_000)

  it('a holder whose runtime hangs (the node still gossips): requests move on after the head bound, the abandoned ones are cancelled there', async () => {
    const runtimePid = Number(execFileSync('pgrep', ['-P', String(b.pid)]).toString().trim().split('\n')[0])
    expect(runtimePid).toBeGreaterThan(0)
    const cancelledBefore = await counter(b, 'llmlb_forwards_cancelled_total')
    const c = clients(4)
    await everyClientProgresses(c, new Array(4).fill(0), 2, 'every client to complete requests')
    process.kill(runtimePid, 'SIGSTOP')
    try {
      const atFreeze = c.done()
      await everyClientProgresses(c, atFreeze, 4, 'every client to complete 4 requests while the runtime of holder-b hangs')
      // membership never saw B die: only the head bound moved these requests
      expect((await nodesOf(ingress)).find((n) => n.name === 'holder-b')?.status).toBe('alive')
      expect(c.failoversSeen()).toBeGreaterThan(0)
    } finally {
      process.kill(runtimePid, 'SIGCONT')
    }
    await waitFor(async () => (await counter(b, 'llmlb_forwards_cancelled_total')) > cancelledBefore, 'holder-b to cancel the abandoned requests', 60_000)
    await c.stop()
    expect(c.failures, failureLog()).toEqual([])
    console.log(`hung runtime: ${c.done().reduce((s, d) => s + d, 0)} requests, ${c.failoversSeen()} failed over, worst ${Math.round(c.worstMs())} ms`)
  }, 300_000)
})
