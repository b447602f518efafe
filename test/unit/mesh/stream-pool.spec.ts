/** The idle forward stream pool, on real in-memory stream pairs with a fake clock. */
import { lpStream, streamPair } from '@libp2p/utils'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { buildRequestHead, sendForward } from '../../../mesh/src/forward/forward-client.js'
import { serveForward } from '../../../mesh/src/forward/forward-server.js'
import { FrameChannel } from '../../../mesh/src/forward/frame-channel.js'
import { StreamPool } from '../../../mesh/src/forward/stream-pool.js'
import { encodeJsonFrame, FRAME_HEAD } from '../../../mesh/src/protocol/forward-frames.js'

const limits = { maxHeadBytes: 4096, maxBodyBytes: 1024, maxFrameBytes: 100 }

async function channel() {
  const [client, server] = await streamPair()
  return { ch: new FrameChannel(client, limits), client, server }
}

function pool(now: { t: number }, maxIdlePerPeer = 2) {
  return new StreamPool({ maxIdlePerPeer, idleMs: 1_000, now: () => now.t })
}

describe('StreamPool', () => {
  it('hands back the most recently returned open stream of that peer, and nothing for another peer', async () => {
    const p = pool({ t: 0 })
    const a = await channel()
    const b = await channel()
    p.give('peer-1', a.ch, true)
    p.give('peer-1', b.ch, true)
    expect(p.take('peer-2')).toBeUndefined()
    expect(p.take('peer-1')).toBe(b.ch)
    expect(p.take('peer-1')).toBe(a.ch)
    expect(p.take('peer-1')).toBeUndefined()
  })

  it('closes a stream handed back as not reusable, or beyond the per-peer limit', async () => {
    const p = pool({ t: 0 }, 1)
    const a = await channel()
    const b = await channel()
    const c = await channel()
    p.give('peer-1', a.ch, false)
    p.give('peer-1', b.ch, true)
    p.give('peer-1', c.ch, true)
    expect(p.size('peer-1')).toBe(1)
    await expect.poll(() => a.client.writeStatus).toBe('closed')
    await expect.poll(() => c.client.writeStatus).toBe('closed')
    expect(b.client.status).toBe('open')
  })

  it('never hands out a stream the peer closed while it was idle', async () => {
    const p = pool({ t: 0 })
    const a = await channel()
    const b = await channel()
    p.give('peer-1', a.ch, true)
    p.give('peer-1', b.ch, true)
    await b.server.close()
    await expect.poll(() => b.ch.reusable).toBe(false)
    expect(p.take('peer-1')).toBe(a.ch)
  })

  it('sweep closes streams idle longer than idleMs and keeps the fresh ones', async () => {
    const now = { t: 0 }
    const p = pool(now, 10)
    const old = await channel()
    p.give('peer-1', old.ch, true)
    now.t = 600
    const fresh = await channel()
    p.give('peer-1', fresh.ch, true)
    now.t = 1_200
    expect(p.sweep()).toBe(1)
    expect(p.size()).toBe(1)
    await expect.poll(() => old.client.writeStatus).toBe('closed')
    expect(p.take('peer-1')).toBe(fresh.ch)
  })

  it('clear drops one peer (closing) or all (resetting) without touching the others', async () => {
    const p = pool({ t: 0 })
    const a = await channel()
    const b = await channel()
    p.give('peer-1', a.ch, true)
    p.give('peer-2', b.ch, true)
    p.clear('peer-1')
    expect(p.size('peer-1')).toBe(0)
    expect(p.size('peer-2')).toBe(1)
    p.clear(undefined, true)
    expect(p.size()).toBe(0)
    expect(b.client.status).toBe('aborted')
  })
})

describe('StreamPool.run', () => {
  const enc = new TextEncoder()
  const request = { method: 'POST', path: '/v1/x', headers: {}, body: enc.encode('hi'), requestId: 'r', hops: 0 }
  const log = pino({ level: 'silent' })

  /** A fresh channel whose server answers 200 `ok` to every request. */
  async function served(): Promise<FrameChannel> {
    const { ch, server } = await channel()
    void serveForward(server, 'a', () => async () => ({ status: 200, headers: {}, body: (async function* () { yield enc.encode('ok') })() }), { limits, readTimeoutMs: 1_000, idleTimeoutMs: 5_000, log })
    return ch
  }

  const attempt = (ch: FrameChannel) => sendForward(ch, 'peer-1', buildRequestHead(request, 'peer-1', limits), request.body, undefined, () => {})

  it('sends again on a fresh stream when the pooled one dies before the response head', async () => {
    const p = pool({ t: 0 })
    const stale = await channel()
    // the peer reads the request, then the stream dies: what a stream closed at that very moment does
    const lp = lpStream(stale.server)
    void lp.read().then(() => stale.server.abort(new Error('gone')))
    p.give('peer-1', stale.ch, true)
    let opened = 0
    const res = await p.run('peer-1', async () => { opened++; return served() }, attempt)
    expect(res.status).toBe(200)
    expect(opened).toBe(1)
    expect(p.retried).toBe(1)
  })

  it('does not retry a caller abort or a protocol error', async () => {
    const p = pool({ t: 0 })
    const garbage = await channel()
    void lpStream(garbage.server).read().then(() => lpStream(garbage.server).write(encodeJsonFrame(FRAME_HEAD, { nonsense: 1 }, 4096)))
    p.give('peer-1', garbage.ch, true)
    let opened = 0
    await expect(p.run('peer-1', async () => { opened++; return served() }, attempt)).rejects.toMatchObject({ code: 'protocol_error' })
    const ac = new AbortController()
    ac.abort()
    const fresh = await served()
    p.give('peer-1', fresh, true)
    await expect(p.run('peer-1', async () => { opened++; return served() }, ch => sendForward(ch, 'peer-1', buildRequestHead(request, 'peer-1', limits), request.body, ac.signal, () => {}), ac.signal)).rejects.toMatchObject({ code: 'aborted' })
    expect(opened).toBe(0)
    expect(p.retried).toBe(0)
  })
})
