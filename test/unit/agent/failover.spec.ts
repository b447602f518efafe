/** Failover from silent peers: the head bound, the attempt guard, the silent-peer hold, the guarded body. */
import { describe, expect, it } from 'vitest'
import { guardAttempt, guardedBody, headBoundMs, PeerDeathWatch, PeerGoneError, SilentPeers, type GuardTimers } from '../../../agent/src/inference/failover/index.js'
import type { PeerView } from '../../../mesh/src/index.js'
import { cand } from './candidate-fixture.js'

const policy = { floorMs: 1000, factor: 4 }

/** Timers a test fires by hand. */
function manualTimers(): GuardTimers & { fire(): void; pending(): number } {
  const timers = new Map<number, () => void>()
  let next = 0
  return {
    setTimeout: (fn) => {
      timers.set(++next, fn)
      return next
    },
    clearTimeout: (h) => void timers.delete(h as number),
    fire: () => {
      for (const [h, fn] of [...timers]) {
        timers.delete(h)
        fn()
      }
    },
    pending: () => timers.size
  }
}

/** A mesh stand-in: an event target with a peer table. */
class FakeMesh extends EventTarget {
  table: PeerView[] = []
  peers(): PeerView[] {
    return this.table
  }
  die(peerId: string): void {
    this.dispatchEvent(new CustomEvent('peer:dead', { detail: { peerId, status: 'dead' } as PeerView }))
  }
}

describe('head bound', () => {
  it('a streamed request waits prefill (and queue) times the factor, never less than the floor', () => {
    // 8000 prompt tokens at 100 tok/s × 8 (prefill speed-up) = 10 s
    expect(headBoundMs(cand('p', 0), { promptTokens: 8000, stream: true }, policy)).toBe(40_000)
    expect(headBoundMs(cand('p', 0), { promptTokens: 10, stream: true }, policy)).toBe(1000)
  })

  it('a non-streamed request also covers the decode of every token it may produce', () => {
    expect(headBoundMs(cand('p', 0), { promptTokens: 0, maxTokens: 500, stream: false }, policy)).toBe(20_000)
    // without max_tokens: the whole context (2048 tokens at 100 tok/s)
    expect(headBoundMs(cand('p', 0), { promptTokens: 0, stream: false }, policy)).toBe(81_920)
  })

  it('a busy peer gets its queue wait on top', () => {
    const busy = cand('p', 8, { avgServiceMs: 1000 })
    // (8 − 4 + 1) / 4 × 1000 = 1250 ms of wait
    expect(headBoundMs(busy, { promptTokens: 0, stream: true }, { floorMs: 1, factor: 4 })).toBe(5000)
  })
})

describe('attempt guard', () => {
  it('gives up a silent peer when its bound passes, not once the head arrived', () => {
    const t = manualTimers()
    const g = guardAttempt(new AbortController().signal, 'p', 500, undefined, t)
    t.fire()
    expect(g.signal.aborted).toBe(true)
    expect(g.gone).toBeInstanceOf(PeerGoneError)
    expect(g.gone?.why).toBe('silent')
    const h = guardAttempt(new AbortController().signal, 'p', 500, undefined, t)
    h.headArrived()
    expect(t.pending()).toBe(0)
    expect(h.signal.aborted).toBe(false)
  })

  it('gives up when membership declares the peer dead, before or after the head; other peers are not touched', () => {
    const mesh = new FakeMesh()
    const deaths = new PeerDeathWatch(mesh)
    const t = manualTimers()
    const g = guardAttempt(new AbortController().signal, 'p', 500, deaths, t)
    const other = guardAttempt(new AbortController().signal, 'q', 500, deaths, t)
    g.headArrived()
    mesh.die('p')
    expect(g.gone?.why).toBe('dead')
    expect(other.signal.aborted).toBe(false)
    other.end()
    g.end()
    expect(deaths.size()).toBe(0)
  })

  it('a client that leaves aborts the attempt without blaming the peer', () => {
    const client = new AbortController()
    const g = guardAttempt(client.signal, 'p', 500, undefined, manualTimers())
    client.abort(new Error('client left'))
    expect(g.signal.aborted).toBe(true)
    expect(g.gone).toBeUndefined()
  })

  it('a peer already dead is given up at once', async () => {
    const mesh = new FakeMesh()
    mesh.table = [{ peerId: 'p', status: 'dead' } as PeerView]
    const g = guardAttempt(new AbortController().signal, 'p', 500, new PeerDeathWatch(mesh), manualTimers())
    await Promise.resolve()
    expect(g.gone?.why).toBe('dead')
  })
})

describe('silent peers', () => {
  it('are tried last for the hold time, or until they answer', () => {
    let now = 0
    const s = new SilentPeers(1000, () => now)
    const ranked = [cand('a', 0), cand('b', 0), cand('c', 0)]
    s.silent('a')
    expect(s.demote(ranked).map((c) => c.target)).toEqual(['b', 'c', 'a'])
    now = 1001
    expect(s.demote(ranked).map((c) => c.target)).toEqual(['a', 'b', 'c'])
    s.silent('b')
    s.answered('b')
    expect(s.demote(ranked)).toBe(ranked)
  })
})

describe('guarded body', () => {
  const enc = new TextEncoder()
  async function* breaks(chunks: string[]): AsyncGenerator<Uint8Array> {
    for (const c of chunks) yield enc.encode(c)
    throw new Error('stream reset')
  }
  const drain = async (it: AsyncIterable<Uint8Array | string>): Promise<{ text: string; err: unknown }> => {
    let text = ''
    try {
      for await (const c of it) text += typeof c === 'string' ? c : new TextDecoder().decode(c)
    } catch (err) {
      return { text, err }
    }
    return { text, err: undefined }
  }

  it('an event stream that breaks ends with one stream_failed error event, then the failure is raised', async () => {
    let ended = 0
    const { text, err } = await drain(guardedBody(breaks(['data: {"a":1}\n\n', 'data: {"b"']), 'text/event-stream; charset=utf-8', () => ended++))
    expect(text.startsWith('data: {"a":1}\n\ndata: {"b"\n\ndata: ')).toBe(true)
    const last = JSON.parse(text.split('\n\n').filter(Boolean).at(-1)?.slice(6) ?? '') as { error: { code: string } }
    expect(last.error.code).toBe('stream_failed')
    expect((err as { code: string }).code).toBe('stream_failed')
    expect(ended).toBe(1)
  })

  it('a JSON body that breaks raises stream_failed and adds nothing', async () => {
    const { text, err } = await drain(guardedBody(breaks(['{"x"']), 'application/json', () => {}))
    expect(text).toBe('{"x"')
    expect((err as { code: string }).code).toBe('stream_failed')
  })
})
