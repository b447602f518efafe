/**
 * Two real agents: every API (chat, completions, embeddings; JSON and SSE; served locally and
 * forwarded; failing in every way) leaves exactly one history record, on the ingress node only, with
 * the tokens the client saw and the status it got. Token statistics, /metrics and the log API follow.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { localAdminHeaders, meshAddress, modelIdsOf, startAgent, stopAllAgents, tinyModel, waitFor, type RunningAgent } from '../../helpers/agent-process.js'
import { parsePrometheusText, sampleSum } from '../../helpers/prom-text.js'

let n1: RunningAgent
let n2: RunningAgent
const KEY = 'b2'.repeat(32)

interface Sent {
  id: string
  status: number
  usage?: { prompt_tokens: number; completion_tokens?: number }
  api: string
  stream: boolean
  servedBy: string | null
  route: 'local' | 'forwarded' | null
  errorCode?: string
}

const sent: Sent[] = []

/** The usage object the client received (JSON body, or the last SSE event carrying one). */
function usageOf(text: string, stream: boolean): Sent['usage'] {
  if (!stream) return (JSON.parse(text) as { usage?: Sent['usage'] }).usage
  let last: Sent['usage']
  for (const ev of text.split('\n\n')) {
    if (!ev.startsWith('data: {')) continue
    const u = (JSON.parse(ev.slice(6)) as { usage?: Sent['usage'] | null }).usage
    if (u) last = u
  }
  return last
}

async function send(a: RunningAgent, id: string, path: string, body: unknown, api: string, raw?: string): Promise<Sent> {
  const r = await fetch(`${a.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': id }, body: raw ?? JSON.stringify(body) })
  const text = await r.text()
  const stream = (body as { stream?: boolean } | undefined)?.stream === true
  expect(r.headers.get('x-request-id')).toBe(id)
  const s: Sent = {
    id,
    status: r.status,
    api,
    stream,
    usage: r.status === 200 ? usageOf(text, stream) : undefined,
    servedBy: r.headers.get('x-llmlb-served-by'),
    route: r.headers.get('x-llmlb-route') as Sent['route'],
    errorCode: r.status >= 400 ? (JSON.parse(text) as { error: { code: string } }).error.code : undefined
  }
  sent.push(s)
  return s
}

async function records(a: RunningAgent): Promise<{ id: string; [k: string]: unknown }[]> {
  const r = (await (await fetch(`${a.url}/api/history?per_page=1000`)).json()) as { data: { id: string }[]; total: number }
  expect(r.data).toHaveLength(r.total)
  return r.data
}

const metricsOf = async (a: RunningAgent) => parsePrometheusText(await (await fetch(`${a.url}/metrics`)).text())

beforeAll(async () => {
  n1 = await startAgent({ name: 'h1', models: [await tinyModel('model-a')], clusterKey: KEY })
  n2 = await startAgent({ name: 'h2', models: [await tinyModel('model-b', { seed: 2 })], clusterKey: KEY, peers: [await meshAddress(n1)] })
  for (const a of [n1, n2]) await waitFor(async () => (await modelIdsOf(a)).length === 2, `${a.name} to see both models`, 60_000)
})
afterAll(stopAllAgents)

describe('history of every API at the ingress node', () => {
  it('one record per request, with the tokens and status the client saw', async () => {
    const before = await metricsOf(n2)
    const chat = (model: string, extra: object = {}) => ({ model, messages: [{ role: 'user', content: 'hello' }], max_tokens: 5, ...extra })
    const completion = (model: string, extra: object = {}) => ({ model, prompt: 'once upon', max_tokens: 4, ...extra })
    for (const [where, model] of [['local', 'model-b'], ['fwd', 'model-a']] as const) {
      await send(n2, `${where}.chat.json`, '/v1/chat/completions', chat(model), 'chat')
      await send(n2, `${where}.chat.sse`, '/v1/chat/completions', chat(model, { stream: true }), 'chat')
      await send(n2, `${where}.chat.sse-usage`, '/v1/chat/completions', chat(model, { stream: true, stream_options: { include_usage: true } }), 'chat')
      await send(n2, `${where}.completion.json`, '/v1/completions', completion(model), 'completion')
      await send(n2, `${where}.completion.sse`, '/v1/completions', completion(model, { stream: true }), 'completion')
      await send(n2, `${where}.embeddings`, '/v1/embeddings', { model, input: ['hello world', 'the mesh'] }, 'embeddings')
    }
    await send(n2, 'err.unknown-model', '/v1/chat/completions', chat('model-z'), 'chat')
    await send(n2, 'err.invalid', '/v1/chat/completions', { model: 'model-b' }, 'chat')
    await send(n2, 'err.json', '/v1/completions', undefined, 'completion', '{not json')
    await send(n2, 'err.fwd-context', '/v1/chat/completions', { model: 'model-a', messages: [{ role: 'user', content: 'hello world '.repeat(400) }] }, 'chat')

    expect(sent.filter((s) => s.status === 200)).toHaveLength(12)
    expect(sent.find((s) => s.id === 'err.fwd-context')).toMatchObject({ status: 400, errorCode: 'context_length_exceeded', servedBy: 'h1' })

    const onIngress = await records(n2)
    expect(onIngress.map((r) => r.id).sort()).toEqual(sent.map((s) => s.id).sort())
    // forwarded requests are recorded where they entered, never again where they were served
    expect((await records(n1)).filter((r) => sent.some((s) => s.id === r.id))).toEqual([])

    for (const s of sent) {
      const r = (await (await fetch(`${n2.url}/api/history/${s.id}`)).json()) as Record<string, unknown>
      expect(r, s.id).toMatchObject({ id: s.id, api: s.api, status: s.status, stream: s.stream, ingressNode: 'h2' })
      if (s.status === 200) {
        expect(r, s.id).toMatchObject({
          outcome: 'success',
          inputTokens: s.usage?.prompt_tokens,
          outputTokens: s.usage?.completion_tokens ?? 0,
          servedBy: s.id.startsWith('local') ? 'h2' : 'h1',
          route: s.id.startsWith('local') ? 'local' : 'forwarded',
          hops: s.id.startsWith('local') ? 0 : 1,
          tokensEstimated: false
        })
        expect(s.usage?.prompt_tokens, s.id).toBeGreaterThan(0)
        expect(r.ttftMs as number, s.id).toBeLessThanOrEqual(r.durationMs as number)
        expect(r.requestBody as string, s.id).toContain('model-')
      } else {
        expect(r, s.id).toMatchObject({ outcome: 'error', error: { code: s.errorCode }, inputTokens: 0, outputTokens: 0 })
      }
    }

    const stats = (await (await fetch(`${n2.url}/api/stats/tokens?group=model&by=month`)).json()) as { totals: { inputTokens: number; outputTokens: number; requests: number; errors: number }; data: { group: string; requests: number }[] }
    expect(stats.totals.requests).toBe(sent.length)
    expect(stats.totals.errors).toBe(4)
    expect(stats.totals.inputTokens).toBe(sent.reduce((n, s) => n + (s.usage?.prompt_tokens ?? 0), 0))
    expect(stats.totals.outputTokens).toBe(sent.reduce((n, s) => n + (s.usage?.completion_tokens ?? 0), 0))
    const byNode = (await (await fetch(`${n2.url}/api/stats/tokens?group=node`)).json()) as { data: { group: string; requests: number }[] }
    expect(byNode.data.find((d) => d.group === 'h1')?.requests).toBe(7)

    const after = await metricsOf(n2)
    const moved = (name: string, labels: Record<string, string> = {}) => sampleSum(after, name, labels) - sampleSum(before, name, labels)
    expect(moved('llmlb_requests_total')).toBe(sent.length)
    expect(moved('llmlb_requests_total', { route: 'forwarded' })).toBe(7)
    expect(moved('llmlb_requests_total', { route: 'local', model: 'model-b', node: 'h2' })).toBe(6)
    expect(moved('llmlb_request_errors_total')).toBe(4)
    expect(moved('llmlb_tokens_total', { direction: 'output' })).toBe(stats.totals.outputTokens)
    expect(moved('llmlb_time_to_first_token_seconds_count')).toBe(13)
    expect(moved('llmlb_forward_hop_overhead_seconds_count')).toBe(7)
    expect(moved('llmlb_forwards_total', { direction: 'out' })).toBeGreaterThanOrEqual(7)
    expect(sampleSum(after, 'llmlb_peers', { status: 'alive' })).toBe(1)
    expect(sampleSum(after, 'llmlb_requests_in_flight')).toBe(0)
    expect(sampleSum(after, 'llmlb_history_records')).toBe(sent.length)
  })

  it('a client-sent request id finds its record; an unknown one is a 404', async () => {
    expect((await fetch(`${n2.url}/api/history/local.chat.json`)).status).toBe(200)
    const nf = await fetch(`${n2.url}/api/history/no-such-request`)
    expect(nf.status).toBe(404)
    expect(((await nf.json()) as { error: { code: string } }).error.code).toBe('not_found')
    expect((await fetch(`${n2.url}/api/history?status=teapot`)).status).toBe(400)
  })

  it('exports what it lists, as CSV and JSON', async () => {
    const csv = await (await fetch(`${n2.url}/api/history/export?format=csv&status=error`)).text()
    const lines = csv.trimEnd().split('\r\n')
    expect(lines[0]?.startsWith('id,time,api,model')).toBe(true)
    expect(lines).toHaveLength(5)
    const json = (await (await fetch(`${n2.url}/api/history/export?format=json&model=model-a`)).json()) as { id: string }[]
    expect(json.map((r) => r.id).sort()).toEqual(sent.filter((s) => s.id.startsWith('fwd') || s.id === 'err.fwd-context').map((s) => s.id).sort())
  })

  it("serves any node's log tail through the mesh and its own, filtered by level", async () => {
    const remote = (await (await fetch(`${n2.url}/api/nodes/h1/logs?limit=20`)).json()) as { node: string; data: { node: string; time: number; level: string }[] }
    expect(remote.node).toBe('h1')
    expect(remote.data.length).toBeGreaterThan(0)
    expect(remote.data.every((l) => l.node === 'h1')).toBe(true)
    const self = (await (await fetch(`${n2.url}/api/nodes/self/logs?level=warn&limit=5`)).json()) as { node: string; data: { level: string }[] }
    expect(self.node).toBe('h2')
    expect(self.data.every((l) => ['warn', 'error', 'fatal'].includes(l.level))).toBe(true)
    expect((await fetch(`${n2.url}/api/nodes/nobody/logs`)).status).toBe(404)
  })
})

describe('history with authentication on', () => {
  it('records the API key id of the caller', async () => {
    const a = await startAgent({ name: 'h3', models: [await tinyModel('model-k')], auth: true, adminPassword: 'history-admin-pw-1' })
    const admin = await localAdminHeaders(a)
    const created = (await (
      await fetch(`${a.url}/api/keys`, { method: 'POST', headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'history-test', scopes: ['inference'] }) })
    ).json()) as { id: string; key: string }
    const r = await fetch(`${a.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${created.key}`, 'content-type': 'application/json', 'x-request-id': 'with-key' },
      body: JSON.stringify({ model: 'model-k', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 })
    })
    expect(r.status).toBe(200)
    await r.text()
    const refused = await fetch(`${a.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'no-key' }, body: '{}' })
    expect(refused.status).toBe(401)
    // the inference key has no history:read scope; the local admin does
    expect((await fetch(`${a.url}/api/history`, { headers: { authorization: `Bearer ${created.key}` } })).status).toBe(403)
    const rec = (await (await fetch(`${a.url}/api/history/with-key`, { headers: admin })).json()) as { apiKeyId: string }
    expect(rec.apiKeyId).toBe(created.id)
    const no = (await (await fetch(`${a.url}/api/history/no-key`, { headers: admin })).json()) as { status: number; apiKeyId: string | null }
    expect(no).toMatchObject({ status: 401, apiKeyId: null })
    expect((await fetch(`${a.url}/metrics`)).status).toBe(401)
    expect((await fetch(`${a.url}/metrics`, { headers: admin })).status).toBe(200)
  })
})
