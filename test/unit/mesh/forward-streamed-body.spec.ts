/**
 * Streamed request bodies of the forward protocol over an in-memory stream pair: a streamed path's
 * handler reads the body as it arrives while other paths still get a buffer; a body shorter or longer
 * than its bodyLength is dropped as a buffered one is; a source is read afresh for each attempt.
 */
import { streamPair } from '@libp2p/utils'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { buildRequestHead, sendForward } from '../../../mesh/src/forward/forward-client.js'
import { FrameChannel } from '../../../mesh/src/forward/frame-channel.js'
import { serveForward } from '../../../mesh/src/forward/forward-server.js'
import { encodeDataFrame, encodeJsonFrame, FORWARD_WIRE_VERSION, FRAME_HEAD } from '../../../mesh/src/protocol/forward-frames.js'
import type { ForwardBodySource, ForwardHandler, ForwardRequest } from '../../../mesh/src/interfaces.js'
import type { Stream } from '@libp2p/interface'
import * as varint from 'uint8-varint'

const limits = { maxHeadBytes: 4096, maxBodyBytes: 1024, maxFrameBytes: 100, maxStreamedBodyBytes: 64 * 1024 }
const log = pino({ level: 'silent' })
const enc = new TextEncoder()
const STREAMED = '/v1/upload'

function source(bytes: Uint8Array, chunk = 300): ForwardBodySource & { opened: number } {
  const s = {
    byteLength: bytes.byteLength,
    opened: 0,
    async *open() {
      s.opened++
      for (let at = 0; at < bytes.byteLength; at += chunk) yield bytes.subarray(at, at + chunk)
    }
  }
  return s
}

function serve(server: Stream, handler: ForwardHandler) {
  const counters = { requests: 0, errors: 0 }
  const served = serveForward(server, 'peer-a', () => handler, {
    limits, readTimeoutMs: 5_000, idleTimeoutMs: 5_000, log, streamedPaths: (p) => p === STREAMED, onRequest: () => counters.requests++, onError: () => counters.errors++
  })
  return { served, counters }
}

async function text(body: AsyncIterable<Uint8Array>): Promise<string> {
  let out = ''
  for await (const c of body) out += Buffer.from(c).toString()
  return out
}

const reply = (t: string) => ({ status: 200, headers: {}, body: (async function* () { yield enc.encode(t) })() })

/** Counts what a streamed handler got, or reports a buffered one. */
const counting: ForwardHandler = async (r) => {
  if (!r.stream) return reply(`buffered ${r.body.byteLength}`)
  let n = 0
  for await (const c of r.stream) n += c.byteLength
  return reply(`streamed ${n} of ${r.stream.byteLength}`)
}

function req(path: string, body: ForwardRequest['body']): ForwardRequest {
  return { method: 'POST', path, headers: {}, body, requestId: 'r1', hops: 1 }
}

async function send(channel: FrameChannel, request: ForwardRequest) {
  const { promise: reusable, resolve } = Promise.withResolvers<boolean>()
  const res = await sendForward(channel, 'peer-b', buildRequestHead(request, 'peer-b', limits), request.body, undefined, resolve)
  return { res, reusable }
}

describe('streamed forward request bodies (in memory)', () => {
  it('a streamed path reads a body over the buffered limit as it arrives; other paths get a buffer; the stream is reused', async () => {
    const [client, server] = await streamPair()
    const { served, counters } = serve(server, counting)
    const channel = new FrameChannel(client, limits)
    const body = new Uint8Array(10_000).map((_, i) => i & 0xff)
    const first = await send(channel, req(STREAMED, source(body)))
    expect(await text(first.res.body)).toBe('streamed 10000 of 10000')
    expect(await first.reusable).toBe(true)
    const second = await send(channel, req('/v1/json', enc.encode('{"a":1}')))
    expect(await text(second.res.body)).toBe('buffered 7')
    expect(await second.reusable).toBe(true)
    // the buffered limit still holds elsewhere, and the streamed one on streamed paths
    expect(() => buildRequestHead(req('/v1/json', new Uint8Array(2000)), 'peer-b', limits)).toThrow(expect.objectContaining({ code: 'request_too_large' }))
    expect(() => buildRequestHead(req(STREAMED, source(new Uint8Array(70_000))), 'peer-b', limits)).toThrow(expect.objectContaining({ code: 'request_too_large' }))
    await client.close()
    await served
    expect(counters).toEqual({ requests: 2, errors: 0 })
  })

  it('a handler that answers without reading its body: the rest is discarded and the stream serves the next request', async () => {
    const [client, server] = await streamPair()
    const { served, counters } = serve(server, async (r) => (r.requestId === 'skip' ? reply('refused') : counting(r, 'peer-a', { signal: new AbortController().signal })))
    const channel = new FrameChannel(client, limits)
    const first = await send(channel, { ...req(STREAMED, source(new Uint8Array(5_000))), requestId: 'skip' })
    expect(await text(first.res.body)).toBe('refused')
    expect(await first.reusable).toBe(true)
    const second = await send(channel, req(STREAMED, source(new Uint8Array(3_000))))
    expect(await text(second.res.body)).toBe('streamed 3000 of 3000')
    await client.close()
    await served
    expect(counters).toEqual({ requests: 2, errors: 0 })
  })

  it('drops a streamed body shorter or longer than its bodyLength; the handler sees its read fail', async () => {
    const frame = (f: Uint8Array) => [varint.encode(f.byteLength), f]
    const head = (bodyLength: number) => encodeJsonFrame(FRAME_HEAD, { v: FORWARD_WIRE_VERSION, method: 'POST', path: STREAMED, headers: {}, requestId: 'r', hops: 1, bodyLength }, 4096)
    for (const [announced, sent] of [[50, 30], [50, 80]] as const) {
      const [client, server] = await streamPair()
      let readFailed = false
      const { served, counters } = serve(server, async (r) => {
        try {
          for await (const _ of r.stream ?? []) void _
        } catch {
          readFailed = true
        }
        return reply('x')
      })
      // shorter: the next request's head arrives where body bytes were due; longer: one frame overflows
      const parts = [...frame(head(announced)), ...frame(encodeDataFrame(new Uint8Array(sent))), ...(sent < announced ? frame(head(1)) : [])]
      client.send(Buffer.concat(parts))
      await served
      expect(readFailed, `announced ${announced}, sent ${sent}`).toBe(true)
      expect(counters.errors).toBe(1)
      expect(server.status).not.toBe('open')
    }
  })

  it('a source is opened afresh for each attempt: a failed first attempt, then the whole body on a second stream', async () => {
    const body = new Uint8Array(2_000).map((_, i) => i & 0xff)
    const src = source(body)
    const [deadClient, deadServer] = await streamPair()
    deadServer.abort(new Error('peer restarted'))
    await expect(send(new FrameChannel(deadClient, limits), req(STREAMED, src))).rejects.toMatchObject({ code: 'peer_unreachable' })
    const [client, server] = await streamPair()
    const { served } = serve(server, counting)
    const { res } = await send(new FrameChannel(client, limits), req(STREAMED, src))
    expect(await text(res.body)).toBe('streamed 2000 of 2000')
    expect(src.opened).toBe(2)
    await client.close()
    await served
  })

  it('refuses a source that yields more or fewer bytes than it announced', async () => {
    for (const lie of [-10, 10]) {
      const [client, server] = await streamPair()
      const { served } = serve(server, counting)
      const real = source(new Uint8Array(1_000))
      const liar: ForwardBodySource = { byteLength: 1_000 + lie, open: () => real.open() }
      await expect(send(new FrameChannel(client, limits), req(STREAMED, liar))).rejects.toMatchObject({ code: 'protocol_error' })
      await served
    }
  })
})
