/**
 * Client and server of the forward protocol over an in-memory stream pair (no libp2p node): limits,
 * malformed peers, trailers, many exchanges on one stream, cancellation of a reused stream, idle close.
 */
import { streamPair } from '@libp2p/utils'
import { lpStream } from '@libp2p/utils'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { ForwardError } from '../../../mesh/src/errors.js'
import { buildRequestHead, sendForward } from '../../../mesh/src/forward/forward-client.js'
import { FrameChannel } from '../../../mesh/src/forward/frame-channel.js'
import { serveForward, type ServeForwardOptions } from '../../../mesh/src/forward/forward-server.js'
import { encodeJsonFrame, FORWARD_WIRE_VERSION, FRAME_HEAD } from '../../../mesh/src/protocol/forward-frames.js'
import type { ForwardHandler, ForwardRequest } from '../../../mesh/src/interfaces.js'
import type { Stream } from '@libp2p/interface'

const limits = { maxHeadBytes: 4096, maxBodyBytes: 1024, maxFrameBytes: 100 }
const log = pino({ level: 'silent' })
const enc = new TextEncoder()
const V = FORWARD_WIRE_VERSION

function req(body: Uint8Array = enc.encode('hello'), requestId = 'r1'): ForwardRequest {
  return { method: 'POST', path: '/v1/x', headers: {}, body, requestId, hops: 0 }
}

function serve(server: Stream, handler: ForwardHandler | undefined, extra: Partial<ServeForwardOptions> = {}) {
  const counters = { requests: 0, errors: 0 }
  const served = serveForward(server, 'peer-a', () => handler, {
    limits, readTimeoutMs: 2_000, idleTimeoutMs: 5_000, log, onRequest: () => counters.requests++, onError: () => counters.errors++, ...extra
  })
  return { served, counters }
}

/** Sends `request` on `channel`; resolves with the response and whether the stream was handed back reusable. */
async function send(channel: FrameChannel, request = req(), signal?: AbortSignal) {
  const { promise: reusable, resolve } = Promise.withResolvers<boolean>()
  const res = await sendForward(channel, 'peer-b', buildRequestHead(request, 'peer-b', limits), request.body, signal, resolve)
  return { res, reusable }
}

async function collect(body: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const p of body) parts.push(p)
  return Buffer.concat(parts)
}

const echo: ForwardHandler = async r => ({ status: 200, headers: { id: r.requestId }, body: (async function* () { yield r.body })() })

describe('forward protocol (in memory)', () => {
  it('splits bodies into frames of at most maxFrameBytes and reassembles them', async () => {
    const body = new Uint8Array(1000).map((_, i) => i & 0xff)
    let received: Uint8Array | undefined
    const [client, server] = await streamPair()
    const { served, counters } = serve(server, async r => {
      received = r.body
      return { status: 201, headers: { a: 'b' }, body: (async function* () { yield r.body.subarray(0, 250); yield r.body.subarray(250) })() }
    })
    const { res, reusable } = await send(new FrameChannel(client, limits), req(body))
    expect(res).toMatchObject({ status: 201, headers: { a: 'b' } })
    const chunks: number[] = []
    for await (const c of res.body) chunks.push(c.byteLength)
    expect(chunks.every(n => n <= limits.maxFrameBytes)).toBe(true)
    expect(chunks.reduce((a, b) => a + b, 0)).toBe(1000)
    expect(received).toEqual(body)
    expect(await reusable).toBe(true)
    await client.close()
    await served
    expect(counters).toEqual({ requests: 1, errors: 0 })
  })

  it('carries many exchanges one after another on one stream, each answered with its own body', async () => {
    const [client, server] = await streamPair()
    const { served, counters } = serve(server, echo)
    const channel = new FrameChannel(client, limits)
    for (let i = 0; i < 20; i++) {
      const { res, reusable } = await send(channel, req(enc.encode(`body ${i}`), `r${i}`))
      expect(res.headers.id).toBe(`r${i}`)
      expect(Buffer.from(await collect(res.body)).toString()).toBe(`body ${i}`)
      expect(await reusable).toBe(true)
    }
    expect(client.status).toBe('open')
    await client.close()
    await served
    expect(counters).toEqual({ requests: 20, errors: 0 })
    expect(server.status).not.toBe('open')
  })

  it('a request cancelled on a reused stream aborts the handler and resets the stream', async () => {
    const [client, server] = await streamPair()
    let handlerSignal: AbortSignal | undefined
    const { served } = serve(server, async (r, _from, { signal }) => {
      if (r.requestId === 'first') return echo(r, _from, { signal })
      handlerSignal = signal
      return { status: 200, headers: {}, body: (async function* () { yield enc.encode('a'); await new Promise(res => signal.addEventListener('abort', res)) })() }
    })
    const channel = new FrameChannel(client, limits)
    const first = await send(channel, req(enc.encode('x'), 'first'))
    await collect(first.res.body)
    expect(await first.reusable).toBe(true)
    const ac = new AbortController()
    const second = await send(channel, req(enc.encode('y'), 'second'), ac.signal)
    const it = second.res.body[Symbol.asyncIterator]()
    expect((await it.next()).done).toBe(false)
    ac.abort()
    await expect(it.next()).rejects.toMatchObject({ code: 'aborted' })
    expect(await second.reusable).toBe(false)
    await served
    expect(handlerSignal?.aborted).toBe(true)
    expect(channel.reusable).toBe(false)
  })

  it('the server closes a stream that waits longer than its idle timeout; the client sees it unusable', async () => {
    const [client, server] = await streamPair()
    const { served } = serve(server, echo, { idleTimeoutMs: 50 })
    const channel = new FrameChannel(client, limits)
    const { res, reusable } = await send(channel)
    await collect(res.body)
    expect(await reusable).toBe(true)
    await served
    await expect.poll(() => channel.reusable).toBe(false)
    await expect(send(channel)).rejects.toMatchObject({ code: 'peer_unreachable' })
  })

  it('asks for the handler per request, so a node that starts leaving refuses the next one', async () => {
    const [client, server] = await streamPair()
    let leaving = false
    const refuse: ForwardHandler = async () => ({ status: 503, headers: {}, body: (async function* () { yield enc.encode('leaving') })() })
    const served = serveForward(server, 'a', () => (leaving ? refuse : echo), { limits, readTimeoutMs: 2_000, idleTimeoutMs: 5_000, log })
    const channel = new FrameChannel(client, limits)
    const first = await send(channel)
    expect(first.res.status).toBe(200)
    await collect(first.res.body)
    leaving = true
    const second = await send(channel)
    expect(second.res.status).toBe(503)
    await collect(second.res.body)
    await client.close()
    await served
  })

  it('refuses to send a request body over the limit', () => {
    expect(() => buildRequestHead(req(new Uint8Array(1025)), 'p', limits)).toThrow(expect.objectContaining({ code: 'request_too_large' }))
    expect(() => buildRequestHead({ ...req(), path: 'no-slash' }, 'p', limits)).toThrow(expect.objectContaining({ code: 'protocol_error' }))
  })

  it('fails the body with stream_failed when the response exceeds the body limit', async () => {
    const [client, server] = await streamPair()
    const { served } = serve(server, async () => ({
      status: 200, headers: {}, body: (async function* () { for (let i = 0; i < 20; i++) yield new Uint8Array(100) })()
    }))
    const { res, reusable } = await send(new FrameChannel(client, limits))
    await expect(collect(res.body)).rejects.toMatchObject({ code: 'stream_failed' })
    expect(await reusable).toBe(false)
    await served
  })

  it('server drops a request whose head is invalid or whose body is larger than announced', async () => {
    for (const frames of [
      [encodeJsonFrame(FRAME_HEAD, { v: V, nonsense: true }, 4096)],
      [encodeJsonFrame(FRAME_HEAD, { v: V, method: 'POST', path: '/', headers: {}, requestId: 'r', hops: 0, bodyLength: 5000 }, 4096)],
      [encodeJsonFrame(FRAME_HEAD, { v: 1, method: 'POST', path: '/', headers: {}, requestId: 'r', hops: 0, bodyLength: 0 }, 4096)],
      [encodeJsonFrame(FRAME_HEAD, { v: V, method: 'POST', path: '/', headers: {}, requestId: 'r', hops: 0, bodyLength: 1 }, 4096), new Uint8Array([2, 1, 2, 3])]
    ]) {
      const [client, server] = await streamPair()
      let called = false
      const { served, counters } = serve(server, async () => { called = true; throw new Error('no') })
      const lp = lpStream(client)
      for (const f of frames) await lp.write(f)
      await served
      expect(called).toBe(false)
      expect(counters.errors).toBe(1)
      expect(server.status).not.toBe('open')
    }
  })

  it('client rejects with protocol_error when the peer answers garbage', async () => {
    const [client, server] = await streamPair()
    const lp = lpStream(server)
    void (async () => {
      await lp.read() // head
      await lp.read() // body
      await lp.write(encodeJsonFrame(FRAME_HEAD, { v: V, status: 'ok' }, 4096))
    })()
    await expect(send(new FrameChannel(client, limits))).rejects.toMatchObject({ code: 'protocol_error' })
  })

  it('client rejects with peer_unreachable when the stream dies before the head', async () => {
    const [client, server] = await streamPair()
    const lp = lpStream(server)
    void (async () => {
      await lp.read()
      server.abort(new Error('gone'))
    })()
    const err = await send(new FrameChannel(client, limits)).catch(e => e)
    expect(err).toBeInstanceOf(ForwardError)
    expect(err).toMatchObject({ code: 'peer_unreachable', peerId: 'peer-b' })
  })

  it('a body that ends without END is a failure, not a short success', async () => {
    const [client, server] = await streamPair()
    const lp = lpStream(server)
    void (async () => {
      await lp.read()
      await lp.read()
      await lp.write(encodeJsonFrame(FRAME_HEAD, { v: V, status: 200, headers: {} }, 4096))
      await lp.write(new Uint8Array([2, 65]))
      await server.close()
    })()
    const { res, reusable } = await send(new FrameChannel(client, limits))
    await expect(collect(res.body)).rejects.toMatchObject({ code: 'stream_failed' })
    expect(await reusable).toBe(false)
  })

  it('a frame longer than the limits aborts the stream instead of buffering it', async () => {
    const [client, server] = await streamPair()
    const channel = new FrameChannel(server, limits)
    const read = channel.read()
    const lp = lpStream(client)
    await lp.write(new Uint8Array(5000).fill(2))
    await expect(read).rejects.toThrow(/exceeds/)
    expect(server.status).not.toBe('open')
  })
})
