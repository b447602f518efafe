/**
 * How a served result reaches the client over a real socket: JSON answers leave with their head in one
 * write and a content-length, event streams are sent event by event as they come, oversized JSON is
 * streamed, and a client that leaves closes the body (which cancels generation).
 */
import Fastify, { type FastifyInstance } from 'fastify'
import { connect } from 'node:net'
import { request } from 'undici'
import { afterEach, describe, expect, it } from 'vitest'
import { SINGLE_WRITE_MAX_BYTES, sendServed } from '../../../../agent/src/http/send-result.js'
import type { HttpResult } from '../../../../agent/src/inference/http-result.js'
import { jsonResult, sseData, SSE_DONE, SSE_HEADERS } from '../../../../agent/src/inference/http-result.js'

let app: FastifyInstance | undefined
afterEach(async () => {
  await app?.close()
  app = undefined
})

/** A 200 result whose body is `chunks`. */
const ok = (headers: Record<string, string>, chunks: () => AsyncIterable<string | Uint8Array>): HttpResult => ({ status: 200, headers, body: chunks() })
const JSON_HEADERS = { 'content-type': 'application/json' }

async function serve(result: () => HttpResult): Promise<string> {
  app = Fastify()
  app.post('/r', async (_request, reply) => {
    await sendServed(reply, { result: result(), route: { servedBy: 'n1', route: 'local', reason: 'only-holder', hops: 0 }, model: 'm', stream: false }, { 'x-request-id': 'r1' })
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const addr = app.server.address()
  if (!addr || typeof addr === 'string') throw new Error('no address')
  return `127.0.0.1:${addr.port}`
}

/** The raw bytes of one response, as they came over the socket. */
async function raw(hostPort: string): Promise<string> {
  const [host, port] = hostPort.split(':')
  const socket = connect(Number(port), host)
  socket.write(`POST /r HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`)
  let text = ''
  for await (const c of socket) text += (c as Buffer).toString('latin1')
  return text
}

describe('sendServed', () => {
  it('sends a JSON answer with a content-length, not chunked, with its route headers', async () => {
    const hp = await serve(() => jsonResult(200, { id: 'x', ok: true }))
    const text = await raw(hp)
    const [head, body] = text.split('\r\n\r\n')
    expect(head).toMatch(/^HTTP\/1\.1 200/)
    expect(head).toMatch(/content-length: 20/i)
    expect(head).not.toMatch(/transfer-encoding/i)
    expect(head).toMatch(/x-llmlb-served-by: n1/)
    expect(JSON.parse(body ?? '')).toEqual({ id: 'x', ok: true })
  })

  it('joins a JSON answer that arrives in several chunks', async () => {
    const hp = await serve(() =>
      ok(JSON_HEADERS, async function* () {
        yield '{"a":'
        yield new TextEncoder().encode('"é"}')
      })
    )
    const res = await request(`http://${hp}/r`, { method: 'POST' })
    expect(res.headers['content-length']).toBe(String(Buffer.byteLength('{"a":"é"}')))
    expect(await res.body.json()).toEqual({ a: 'é' })
  })

  it('streams events as they come: the head and the first event arrive before the last is produced', async () => {
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const hp = await serve(() =>
      ok(SSE_HEADERS, async function* () {
        yield sseData({ n: 1 })
        await gate
        yield SSE_DONE
      })
    )
    const res = await request(`http://${hp}/r`, { method: 'POST' })
    expect(res.headers['transfer-encoding']).toBe('chunked')
    const it = res.body[Symbol.asyncIterator]()
    const first = (await it.next()).value as Buffer
    expect(first.toString()).toBe(sseData({ n: 1 }))
    release()
    let rest = ''
    for (let r = await it.next(); !r.done; r = await it.next()) rest += (r.value as Buffer).toString()
    expect(rest).toBe(SSE_DONE)
  })

  it('streams a JSON body larger than the single-write bound, intact', async () => {
    const piece = 'x'.repeat(64 * 1024)
    const pieces = Math.ceil(SINGLE_WRITE_MAX_BYTES / piece.length) + 3
    const hp = await serve(() =>
      ok(JSON_HEADERS, async function* () {
        for (let i = 0; i < pieces; i++) yield piece
      })
    )
    const res = await request(`http://${hp}/r`, { method: 'POST' })
    expect(res.headers['content-length']).toBeUndefined()
    expect(res.headers['transfer-encoding']).toBe('chunked')
    expect((await res.body.text()).length).toBe(piece.length * pieces)
  })

  it('closes the body when the client leaves mid-answer', async () => {
    let closed!: () => void
    const bodyClosed = new Promise<void>((r) => (closed = r))
    const hp = await serve(() =>
      ok(SSE_HEADERS, async function* () {
        try {
          for (;;) {
            yield sseData({ tick: true })
            await new Promise((r) => setTimeout(r, 5))
          }
        } finally {
          closed()
        }
      })
    )
    const ac = new AbortController()
    const res = await request(`http://${hp}/r`, { method: 'POST', signal: ac.signal })
    const it = res.body[Symbol.asyncIterator]()
    await it.next()
    ac.abort()
    await expect(bodyClosed).resolves.toBeUndefined()
  })
})
