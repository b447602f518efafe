/**
 * Client and server of the forward protocol over an in-memory stream pair (no libp2p node): limits,
 * malformed peers, trailers.
 */
import { streamPair } from '@libp2p/utils'
import { lpStream } from '@libp2p/utils'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { ForwardError } from '../../../mesh/src/errors.js'
import { buildRequestHead, sendForward } from '../../../mesh/src/forward/forward-client.js'
import { serveForward } from '../../../mesh/src/forward/forward-server.js'
import { encodeJsonFrame, FRAME_HEAD } from '../../../mesh/src/protocol/forward-frames.js'
import type { ForwardHandler, ForwardRequest } from '../../../mesh/src/interfaces.js'

const limits = { maxHeadBytes: 4096, maxBodyBytes: 1024, maxFrameBytes: 100 }
const log = pino({ level: 'silent' })
const enc = new TextEncoder()

function req(body: Uint8Array = enc.encode('hello')): ForwardRequest {
  return { method: 'POST', path: '/v1/x', headers: {}, body, requestId: 'r1', hops: 0 }
}

async function roundTrip(handler: ForwardHandler, request = req()) {
  const [client, server] = await streamPair()
  const counters = { requests: 0, errors: 0 }
  const served = serveForward(server, 'peer-a', handler, {
    limits, readTimeoutMs: 2_000, log, onRequest: () => counters.requests++, onError: () => counters.errors++
  })
  const res = await sendForward(client, 'peer-b', buildRequestHead(request, 'peer-b', limits), request.body, limits)
  return { res, served, counters }
}

async function collect(body: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const p of body) parts.push(p)
  return Buffer.concat(parts)
}

describe('forward protocol (in memory)', () => {
  it('splits bodies into frames of at most maxFrameBytes and reassembles them', async () => {
    const body = new Uint8Array(1000).map((_, i) => i & 0xff)
    let received: Uint8Array | undefined
    const { res, served, counters } = await roundTrip(async r => {
      received = r.body
      return { status: 201, headers: { a: 'b' }, body: (async function* () { yield r.body.subarray(0, 250); yield r.body.subarray(250) })() }
    }, req(body))
    expect(res).toMatchObject({ status: 201, headers: { a: 'b' } })
    const chunks: number[] = []
    for await (const c of res.body) chunks.push(c.byteLength)
    expect(chunks.every(n => n <= limits.maxFrameBytes)).toBe(true)
    expect(chunks.reduce((a, b) => a + b, 0)).toBe(1000)
    expect(received).toEqual(body)
    await served
    expect(counters).toEqual({ requests: 1, errors: 0 })
  })

  it('refuses to send a request body over the limit', () => {
    expect(() => buildRequestHead(req(new Uint8Array(1025)), 'p', limits)).toThrow(expect.objectContaining({ code: 'request_too_large' }))
    expect(() => buildRequestHead({ ...req(), path: 'no-slash' }, 'p', limits)).toThrow(expect.objectContaining({ code: 'protocol_error' }))
  })

  it('fails the body with stream_failed when the response exceeds the body limit', async () => {
    const { res, served } = await roundTrip(async () => ({
      status: 200, headers: {}, body: (async function* () { for (let i = 0; i < 20; i++) yield new Uint8Array(100) })()
    }))
    await expect(collect(res.body)).rejects.toMatchObject({ code: 'stream_failed' })
    await served
  })

  it('server drops a request whose head is invalid or whose body is larger than announced', async () => {
    for (const frames of [
      [encodeJsonFrame(FRAME_HEAD, { v: 1, nonsense: true }, 4096)],
      [encodeJsonFrame(FRAME_HEAD, { v: 1, method: 'POST', path: '/', headers: {}, requestId: 'r', hops: 0, bodyLength: 5000 }, 4096)],
      [encodeJsonFrame(FRAME_HEAD, { v: 1, method: 'POST', path: '/', headers: {}, requestId: 'r', hops: 0, bodyLength: 1 }, 4096), new Uint8Array([2, 1, 2, 3])]
    ]) {
      const [client, server] = await streamPair()
      let called = false
      let errors = 0
      const served = serveForward(server, 'a', async () => { called = true; throw new Error('no') }, { limits, readTimeoutMs: 2_000, log, onError: () => errors++ })
      const lp = lpStream(client)
      for (const f of frames) await lp.write(f)
      await served
      expect(called).toBe(false)
      expect(errors).toBe(1)
      expect(server.status).not.toBe('open')
    }
  })

  it('client rejects with protocol_error when the peer answers garbage', async () => {
    const [client, server] = await streamPair()
    const lp = lpStream(server)
    void (async () => {
      await lp.read() // head
      await lp.read() // body
      await lp.write(encodeJsonFrame(FRAME_HEAD, { v: 1, status: 'ok' }, 4096))
    })()
    const r = req()
    await expect(sendForward(client, 'p', buildRequestHead(r, 'p', limits), r.body, limits)).rejects.toMatchObject({ code: 'protocol_error' })
  })

  it('client rejects with peer_unreachable when the stream dies before the head', async () => {
    const [client, server] = await streamPair()
    const lp = lpStream(server)
    void (async () => {
      await lp.read()
      server.abort(new Error('gone'))
    })()
    const r = req()
    const err = await sendForward(client, 'p', buildRequestHead(r, 'p', limits), r.body, limits).catch(e => e)
    expect(err).toBeInstanceOf(ForwardError)
    expect(err).toMatchObject({ code: 'peer_unreachable', peerId: 'p' })
  })

  it('a body that ends without END is a failure, not a short success', async () => {
    const [client, server] = await streamPair()
    const lp = lpStream(server)
    void (async () => {
      await lp.read()
      await lp.read()
      await lp.write(encodeJsonFrame(FRAME_HEAD, { v: 1, status: 200, headers: {} }, 4096))
      await lp.write(new Uint8Array([2, 65]))
      await server.close()
    })()
    const r = req()
    const res = await sendForward(client, 'p', buildRequestHead(r, 'p', limits), r.body, limits)
    await expect(collect(res.body)).rejects.toMatchObject({ code: 'stream_failed' })
  })
})
