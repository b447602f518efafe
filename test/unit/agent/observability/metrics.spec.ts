import { describe, expect, it } from 'vitest'
import { AgentMetrics } from '../../../../agent/src/observability/metrics.js'
import { collectDefaultMetrics, Registry } from 'prom-client'
import { EVENT_LOOP_SAMPLE_MS, installEventLoopDelay, PROM_CLIENT_SAMPLE_MS } from '../../../../agent/src/observability/event-loop-delay.js'
import { parsePrometheusText, sampleSum } from '../../../helpers/prom-text.js'
import { makeRecord } from '../../../../scripts/bench/history-records.js'

describe('AgentMetrics', () => {
  it('renders valid Prometheus text whose counters move with requests', async () => {
    let gossipIn = 5
    const m = new AgentMetrics(
      {
        mesh: { peers: () => [], stats: () => ({ gossipIn, gossipOut: 2, gossipDropped: 1, forwardsIn: 0, forwardsOut: 3, forwardErrors: 0 }) },
        runtime: { restarts: () => 2, models: () => [{ id: 'model-a', state: 'loaded' }] },
        admission: { stats: () => ({ busy: 1, waiting: 4 }) },
        historySize: () => 42
      },
      { processMetrics: true }
    )
    const before = parsePrometheusText((await m.render()).text)
    expect(sampleSum(before, 'llmlb_requests_total')).toBe(0)
    m.started()
    expect(sampleSum(parsePrometheusText((await m.render()).text), 'llmlb_requests_in_flight')).toBe(1)
    const ok = { ...makeRecord(1), status: 200, outcome: 'success' as const, error: null, servedBy: 'n2', route: 'forwarded' as const, hops: 1, model: 'model-a', inputTokens: 7, outputTokens: 3, ttftMs: 12 }
    m.finished(ok, { headMs: 20, peerHeadMs: 15 })
    m.started()
    m.finished({ ...makeRecord(2), status: 404, outcome: 'error', error: { code: 'model_not_found', message: '' }, servedBy: null, model: 'typo', inputTokens: 0, outputTokens: 0, ttftMs: null }, { headMs: null })
    m.historyWaited(0.001)
    gossipIn = 9
    const { contentType, text } = await m.render()
    expect(contentType).toContain('text/plain')
    const f = parsePrometheusText(text)
    expect(f.get('llmlb_requests_total')?.type).toBe('counter')
    expect(f.get('llmlb_request_duration_seconds')?.type).toBe('histogram')
    expect(sampleSum(f, 'llmlb_requests_total')).toBe(2)
    expect(sampleSum(f, 'llmlb_requests_total', { route: 'forwarded', node: 'n2', model: 'model-a', status_class: '2xx' })).toBe(1)
    // a model no node served is not a label value of its own
    expect(sampleSum(f, 'llmlb_request_errors_total', { model: 'none', code: 'model_not_found' })).toBe(1)
    expect(sampleSum(f, 'llmlb_tokens_total', { direction: 'input' })).toBe(7)
    expect(sampleSum(f, 'llmlb_time_to_first_token_seconds_count')).toBe(1)
    expect(sampleSum(f, 'llmlb_forward_hop_overhead_seconds_sum')).toBeCloseTo(0.005)
    expect(sampleSum(f, 'llmlb_requests_in_flight')).toBe(0)
    expect(sampleSum(f, 'llmlb_queue_depth', { model: 'model-a' })).toBe(4)
    expect(sampleSum(f, 'llmlb_gossip_messages_total', { direction: 'in' })).toBe(9)
    expect(sampleSum(f, 'llmlb_runtime_restarts_total')).toBe(2)
    expect(sampleSum(f, 'llmlb_peers', { status: 'alive' })).toBe(0)
    expect(sampleSum(f, 'llmlb_history_records')).toBe(42)
    expect(f.has('llmlb_process_cpu_seconds_total')).toBe(true)
  })

  it('samples the event-loop delay coarsely: an idle loop reads under one interval, a stall reads as itself', async () => {
    const registry = new Registry()
    collectDefaultMetrics({ register: registry, prefix: 'x_', eventLoopMonitoringPrecision: PROM_CLIENT_SAMPLE_MS })
    const delay = installEventLoopDelay(registry, 'x_')
    const lag = async (stat: string): Promise<number> => sampleSum(parsePrometheusText(await registry.metrics()), `x_nodejs_eventloop_lag_${stat}_seconds`)
    await expect.poll(() => delay.samples(), { timeout: 10_000 }).toBeGreaterThanOrEqual(3)
    // the ticks' own interval is not a delay: without taking it off, an idle p50 reads a whole interval
    expect(await lag('p50')).toBeLessThan(EVENT_LOOP_SAMPLE_MS / 1000)
    // that scrape started a new window: a stall is timed from the window's first tick
    await expect.poll(() => delay.samples(), { timeout: 10_000 }).toBeGreaterThanOrEqual(1)
    // the main thread held for 400 ms, as a stuck handler would
    const until = performance.now() + 400
    while (performance.now() < until) {
      /* busy */
    }
    // the sampler's first tick after the stall records it (a scrape before then would start a new window)
    const before = delay.samples()
    await expect.poll(() => delay.samples(), { timeout: 10_000 }).toBeGreaterThan(before)
    expect(await lag('max')).toBeGreaterThanOrEqual(0.3)
    // each delay gauge once: prom-client's own were replaced, not doubled
    const names = [...parsePrometheusText(await registry.metrics()).keys()].filter((k) => k.startsWith('x_nodejs_eventloop_lag_'))
    expect(names.sort()).toEqual(['', '_max', '_mean', '_min', '_p50', '_p90', '_p99', '_stddev'].map((s) => `x_nodejs_eventloop_lag${s}_seconds`).sort())
  })

  it('an agent\'s metrics carry the replaced delay gauges', async () => {
    const f = parsePrometheusText((await new AgentMetrics({}, { processMetrics: true }).render()).text)
    expect(f.has('llmlb_nodejs_eventloop_lag_p99_seconds')).toBe(true)
  })

  it('bounds model and node label values', async () => {
    const m = new AgentMetrics({}, { processMetrics: false, maxModels: 2 })
    for (const model of ['a', 'b', 'c', 'd']) m.finished({ ...makeRecord(1), model, servedBy: 'n1' }, { headMs: 1 })
    const models = new Set(parsePrometheusText((await m.render()).text).get('llmlb_requests_total')?.samples.map((s) => s.labels.model))
    expect(models).toEqual(new Set(['a', 'b', 'other']))
  })

  it('the parser rejects malformed text', () => {
    expect(() => parsePrometheusText('# TYPE x counter\nx{a="1} 1\n')).toThrow()
    expect(() => parsePrometheusText('y 1\n')).toThrow()
    expect(() => parsePrometheusText('# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_count 1\nh_sum 0\n')).toThrow()
  })
})
