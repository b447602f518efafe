// @vitest-environment happy-dom
import { createRoot } from 'solid-js'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createApiClient } from '../../../ui/src/api/client.js'
import { createClusterStore, POLL_INTERVAL_MS, SSE_FAILURES_BEFORE_POLLING } from '../../../ui/src/stores/cluster.js'
import { fakeFetch, FakeEventSource, model, node } from './helpers.js'

const snapshot = (...nodes: ReturnType<typeof node>[]) => ({ object: 'list' as const, data: nodes })

describe('cluster store', () => {
  let dispose: () => void = () => undefined
  beforeEach(() => {
    FakeEventSource.instances = []
    vi.useFakeTimers()
  })
  afterEach(() => {
    dispose()
    vi.useRealTimers()
  })

  function setup(routes: Parameters<typeof fakeFetch>[0] = {}) {
    const f = fakeFetch({ 'GET /api/nodes': snapshot(node({ name: 'polled' })), ...routes })
    const api = createApiClient({ fetch: f })
    let now = 1_000_000
    const store = createRoot((d) => {
      dispose = d
      return createClusterStore(api, { eventSource: (url) => new FakeEventSource(url), now: () => now, random: () => 1 })
    })
    return { store, f, advance: (ms: number) => (now += ms) }
  }

  it('applies SSE snapshots with reconcile, keeping unchanged nodes as the same objects', () => {
    const { store } = setup()
    store.start()
    const es = FakeEventSource.last()
    expect(es.url).toBe('/api/events')
    es.open()
    expect(store.state.connection).toBe('live')

    es.emit('nodes', snapshot(node({ name: 'b' }), node({ name: 'a', self: true })))
    expect(store.state.nodes.map((n) => n.name)).toEqual(['a', 'b'])
    const b = store.state.nodes[1]

    es.emit('nodes', snapshot(node({ name: 'b' }), node({ name: 'a', self: true, models: [model({ slotsBusy: 2 })] })))
    expect(store.state.nodes[1]).toBe(b)
    expect(store.state.nodes[0]?.models[0]?.slotsBusy).toBe(2)
    expect(store.self()?.name).toBe('a')

    es.emit('nodes', snapshot(node({ name: 'a', self: true })))
    expect(store.state.nodes.map((n) => n.name)).toEqual(['a'])
  })

  it('records load samples per node from the snapshots', () => {
    const { store, advance } = setup()
    store.start()
    const es = FakeEventSource.last()
    es.emit('nodes', snapshot(node({ name: 'a', inFlight: 1 })))
    advance(2000)
    es.emit('nodes', snapshot(node({ name: 'a', inFlight: 3 })))
    expect(store.state.samples.a?.map((s) => s.inFlight)).toEqual([1, 3])
  })

  it('reconnects with backoff after a dropped stream', async () => {
    const { store } = setup()
    store.start()
    const first = FakeEventSource.last()
    first.open()
    first.fail()
    expect(first.closed).toBe(true)
    expect(store.state.connection).toBe('live')
    await vi.advanceTimersByTimeAsync(499)
    expect(FakeEventSource.instances).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(FakeEventSource.instances).toHaveLength(2)
    expect(store.state.connection).toBe('reconnecting')
    FakeEventSource.last().open()
    expect(store.state.connection).toBe('live')
  })

  it('falls back to polling /api/nodes when the stream never opens', async () => {
    const { store, f } = setup()
    store.start()
    for (let i = 0; i < SSE_FAILURES_BEFORE_POLLING; i++) {
      FakeEventSource.last().fail()
      await vi.advanceTimersByTimeAsync(20_000)
    }
    expect(store.state.connection).toBe('polling')
    const before = f.calls.filter((c) => c.url === '/api/nodes').length
    await vi.advanceTimersByTimeAsync(POLL_INTERVAL_MS * 3)
    expect(f.calls.filter((c) => c.url === '/api/nodes').length).toBeGreaterThanOrEqual(before + 3)
    expect(store.state.nodes.map((n) => n.name)).toEqual(['polled'])
    expect(FakeEventSource.instances).toHaveLength(SSE_FAILURES_BEFORE_POLLING)
  })

  it('stops cleanly', () => {
    const { store } = setup()
    store.start()
    store.start()
    expect(FakeEventSource.instances).toHaveLength(1)
    store.stop()
    expect(FakeEventSource.last().closed).toBe(true)
    expect(store.state.connection).toBe('idle')
  })
})
