/**
 * The request observer on a bare fastify app (fastify inject, no runtime): every inference request
 * leaves exactly one record, however it ends, and the response completes only after its record is
 * committed.
 */
import Fastify, { type FastifyInstance } from 'fastify'
import { afterEach, describe, expect, it } from 'vitest'
import { installRequestObserver } from '../../../../agent/src/observability/request-observer.js'
import { sendServed } from '../../../../agent/src/http/send-result.js'
import { renderError } from '../../../../agent/src/errors/render.js'
import { UnknownModelError } from '../../../../agent/src/errors/errors.js'
import type { Served } from '../../../../agent/src/inference/inference-service.js'
import type { HistoryBodies, HistoryRecord } from '../../../../agent/src/history/history-record.js'
import { jsonResult, sseData, SSE_DONE, SSE_HEADERS } from '../../../../agent/src/inference/http-result.js'
import { requestIdFrom } from '../../../../agent/src/http/request-id.js'
import { AgentMetrics } from '../../../../agent/src/observability/metrics.js'
import { parsePrometheusText, sampleSum } from '../../../helpers/prom-text.js'

interface Stored {
  record: HistoryRecord
  bodies?: HistoryBodies
}

let app: FastifyInstance
afterEach(async () => {
  await app?.close()
})

const usage = { prompt_tokens: 6, completion_tokens: 2, total_tokens: 8 }

type Kind = 'json' | 'sse' | 'broken' | 'broken-json'

function served(kind: Kind): Served {
  const route = { servedBy: 'n2', route: 'forwarded' as const, reason: 'free-slot', hops: 1, queueWaitMs: 0 }
  if (kind === 'json') return { result: jsonResult(200, { id: 'x', choices: [{ message: { content: 'ok' } }], usage }), route, model: 'm', stream: false }
  if (kind === 'broken-json')
    return {
      // a forwarded JSON answer whose stream breaks after its first frame
      result: {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: (async function* () {
          yield '{"id":"x","choi'
          throw new Error('peer died')
        })()
      },
      route,
      model: 'm',
      stream: false
    }
  return {
    result: {
      status: 200,
      headers: { ...SSE_HEADERS },
      body: (async function* () {
        yield sseData({ choices: [{ delta: { content: 'o' } }] })
        if (kind === 'broken') throw new Error('peer died')
        yield sseData({ choices: [{ delta: {}, finish_reason: 'stop' }], usage })
        yield SSE_DONE
      })()
    },
    route,
    model: 'm',
    stream: true
  }
}

async function build(commit: () => Promise<void> = async () => undefined): Promise<{ stored: Stored[]; metrics: AgentMetrics }> {
  const stored: Stored[] = []
  const metrics = new AgentMetrics({}, { processMetrics: false })
  app = Fastify({ genReqId: (req) => requestIdFrom(req.headers['x-request-id']) })
  installRequestObserver(app, {
    nodeName: 'n1',
    history: {
      append: async (record, bodies) => {
        stored.push({ record, bodies })
        await commit()
      }
    },
    metrics,
    storeBodies: true,
    maxBodyBytes: 1024
  })
  app.setErrorHandler((err, _request, reply) => {
    const r = renderError(err)
    void reply.status(r.status).send(r.body)
  })
  app.post('/v1/chat/completions', async (request, reply) => {
    const body = request.body as { model: string; kind: Kind | 'missing' }
    if (body.kind === 'missing') throw new UnknownModelError(body.model)
    await sendServed(reply, served(body.kind), { 'x-request-id': request.id })
  })
  app.get('/api/other', async () => ({ ok: true }))
  return { stored, metrics }
}

const chat = (kind: string, id: string) => app.inject({ method: 'POST', url: '/v1/chat/completions', headers: { 'x-request-id': id }, payload: { model: 'm', kind } })

describe('request observer', () => {
  it('records each kind of ending exactly once, with tokens and status', async () => {
    const { stored, metrics } = await build()
    await chat('json', 'a')
    await chat('sse', 'b')
    await chat('broken', 'c')
    const missing = await chat('missing', 'd')
    expect(missing.statusCode).toBe(404)
    // a JSON answer that broke before anything was sent: the client gets a 502, and so does the record
    const brokenJson = await chat('broken-json', 'e')
    expect(brokenJson.statusCode).toBe(502)
    expect(brokenJson.json()).toMatchObject({ error: { code: 'stream_failed', type: 'server_error' } })
    expect(brokenJson.headers['x-llmlb-served-by']).toBe('n2')
    await app.inject({ method: 'GET', url: '/api/other' })
    expect(stored.map((s) => s.record.id)).toEqual(['a', 'b', 'c', 'd', 'e'])
    const [a, b, c, d, e] = stored.map((s) => s.record)
    expect(a).toMatchObject({ status: 200, outcome: 'success', inputTokens: 6, outputTokens: 2, stream: false, servedBy: 'n2', route: 'forwarded', ingressNode: 'n1' })
    expect(b).toMatchObject({ status: 200, outcome: 'success', inputTokens: 6, outputTokens: 2, stream: true })
    expect(c).toMatchObject({ status: 200, outcome: 'error', error: { code: 'stream_failed' } })
    expect(d).toMatchObject({ status: 404, outcome: 'error', error: { code: 'model_not_found' }, servedBy: null })
    expect(e).toMatchObject({ status: 502, outcome: 'error', error: { code: 'stream_failed' }, servedBy: 'n2' })
    expect(stored[0]?.bodies?.response).toContain('"usage"')
    const f = parsePrometheusText((await metrics.render()).text)
    expect(sampleSum(f, 'llmlb_requests_total')).toBe(5)
    expect(sampleSum(f, 'llmlb_requests_in_flight')).toBe(0)
    expect(sampleSum(f, 'llmlb_history_wait_seconds_count')).toBe(5)
  })

  it('completes a response only after its record is committed', async () => {
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const { stored } = await build(() => gate)
    let done = false
    const res = chat('sse', 'slow').then((r) => {
      done = true
      return r
    })
    for (let i = 0; i < 50 && stored.length === 0; i++) await new Promise((r) => setTimeout(r, 5))
    expect(stored).toHaveLength(1)
    await new Promise((r) => setTimeout(r, 30))
    expect(done).toBe(false)
    release()
    expect((await res).body).toContain('[DONE]')
  })
})
