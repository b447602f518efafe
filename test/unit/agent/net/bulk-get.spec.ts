/**
 * The bulk client of downloads (agent/src/net/bulk-get.ts) against raw TCP servers that write exact
 * bytes: every framing (length, chunked in any split, until close), interim answers, oversized or
 * broken heads, a body that outruns its length, header injection, a head handler that is still
 * deciding when the server has already closed, and a direct sink fed across pauses.
 */
import { createServer, type Server, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { bodyFraming } from '../../../../agent/src/net/body-framing.js'
import { parseResponseHead } from '../../../../agent/src/net/bulk-get.js'
import { Outbound, type DirectSink } from '../../../../agent/src/net/index.js'

const servers: Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))))
})

/** A server that answers every connection with `reply` (after the request head arrived) and records the request. */
async function rawServer(reply: (sock: Socket, request: string) => void): Promise<{ url: string; requests: string[] }> {
  const requests: string[] = []
  const server = createServer((sock) => {
    let got = ''
    sock.on('data', (d) => {
      got += d.toString('latin1')
      if (got.includes('\r\n\r\n')) {
        requests.push(got)
        reply(sock, got)
      }
    })
    sock.on('error', () => undefined)
  })
  servers.push(server)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/f`, requests }
}

const client = (): Outbound => new Outbound({ allow: ['127.0.0.1/32'], headersTimeoutMs: 5_000 })

/** Receives a body with a chunk sink that copies each piece. */
async function fetchBody(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Buffer; headers: Record<string, unknown> }> {
  const parts: Buffer[] = []
  const got = await client().receive(url, { headers }, () => (chunk) => void parts.push(Buffer.from(chunk)))
  return { status: got.head.status, body: Buffer.concat(parts), headers: got.head.headers }
}

const chunked = (body: Buffer, sizes: number[]): Buffer => {
  const out: Buffer[] = []
  let off = 0
  for (const n of sizes) {
    if (off >= body.length) break
    const piece = body.subarray(off, off + n)
    out.push(Buffer.from(`${piece.length.toString(16)};ext=1\r\n`), piece, Buffer.from('\r\n'))
    off += piece.length
  }
  if (off < body.length) out.push(Buffer.from(`${(body.length - off).toString(16)}\r\n`), body.subarray(off), Buffer.from('\r\n'))
  out.push(Buffer.from('0\r\nx-trailer: 1\r\n\r\n'))
  return Buffer.concat(out)
}

describe('body framing', () => {
  it('decodes a chunked body split anywhere into the same bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 20 }), fc.array(fc.integer({ min: 1, max: 500 }), { minLength: 1, maxLength: 40 }), (body, sizes, cuts) => {
        const wire = chunked(Buffer.from(body), sizes)
        const f = bodyFraming(200, { 'transfer-encoding': 'chunked' })
        if (typeof f === 'string') throw new Error(f)
        const out: Buffer[] = []
        let off = 0
        for (let i = 0; off < wire.length; i++) {
          const n = cuts[i % cuts.length] as number
          out.push(...f.take(wire.subarray(off, off + n)).map((b) => Buffer.from(b)))
          off += n
        }
        expect(f.error).toBeUndefined()
        expect(f.done).toBe(true)
        expect(Buffer.concat(out).equals(Buffer.from(body))).toBe(true)
      }),
      { numRuns: 200 }
    )
  })

  it('refuses what it cannot frame: other codings, conflicting lengths, a bad chunk size', () => {
    expect(bodyFraming(200, { 'transfer-encoding': 'gzip, chunked' })).toMatch(/not supported/)
    expect(bodyFraming(200, { 'content-length': ['5', '6'] })).toMatch(/invalid content-length/)
    expect(bodyFraming(200, { 'content-length': '-1' })).toMatch(/invalid content-length/)
    const f = bodyFraming(200, { 'transfer-encoding': 'chunked' })
    if (typeof f === 'string') throw new Error(f)
    f.take(Buffer.from('zz\r\n'))
    expect(f.error).toMatch(/malformed chunk size/)
    // no length and no coding: the body ends at close; 204 and 304 have none
    expect(bodyFraming(200, {})).toMatchObject({ endsAtClose: true, raw: true })
    expect(bodyFraming(304, { 'content-length': '10' })).toMatchObject({ done: true })
  })

  it('parses a head: repeated headers kept, a partial head waits, a broken one is an error', () => {
    const h = parseResponseHead(Buffer.from('HTTP/1.1 200 OK\r\nSet-Cookie: a\r\nset-cookie: b\r\nContent-Length: 3\r\n\r\nabc'))
    expect(h).toMatchObject({ status: 200, headers: { 'set-cookie': ['a', 'b'], 'content-length': '3' } })
    expect((h as { rest: Buffer }).rest.toString()).toBe('abc')
    expect(parseResponseHead(Buffer.from('HTTP/1.1 200 OK\r\nContent-'))).toBe('partial')
    expect(parseResponseHead(Buffer.from('SSH-2.0-OpenSSH\r\n\r\n'))).toMatchObject({ error: expect.stringMatching(/not an HTTP/) })
    expect(parseResponseHead(Buffer.from('HTTP/1.1 200 OK\r\nno colon\r\n\r\n'))).toMatchObject({ error: expect.stringMatching(/malformed header/) })
  })
})

describe('bulk GET', () => {
  const body = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7) & 0xff))

  it('reads a length-framed body, skips an interim answer, and ignores bytes past the length', async () => {
    const s = await rawServer((sock) => sock.end(Buffer.concat([Buffer.from(`HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`), body, Buffer.from('GARBAGE')])))
    const got = await fetchBody(s.url)
    expect(got.status).toBe(200)
    expect(got.body.equals(body)).toBe(true)
  })

  it('reads a chunked body and a body that ends at close', async () => {
    const c = await rawServer((sock) => sock.end(Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'), chunked(body, [1, 4096, 70_000])])))
    expect((await fetchBody(c.url)).body.equals(body)).toBe(true)
    const u = await rawServer((sock) => sock.end(Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\n\r\n'), body])))
    expect((await fetchBody(u.url)).body.equals(body)).toBe(true)
  })

  it('a body cut short, an oversized head, a broken chunk and a silent server are errors', async () => {
    const cut = await rawServer((sock) => sock.end(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`), body.subarray(0, 1000)])))
    await expect(fetchBody(cut.url)).rejects.toMatchObject({ code: 'outbound_failed', message: expect.stringMatching(/closed before/) })
    const huge = await rawServer((sock) => sock.end(`HTTP/1.1 200 OK\r\n${'x-pad: aaaaaaaa\r\n'.repeat(5000)}\r\n`))
    await expect(fetchBody(huge.url)).rejects.toMatchObject({ code: 'outbound_failed', message: expect.stringMatching(/head over/) })
    const bad = await rawServer((sock) => sock.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcdefgh\r\n0\r\n\r\n'))
    await expect(fetchBody(bad.url)).rejects.toMatchObject({ code: 'outbound_failed', message: expect.stringMatching(/longer than its size/) })
    const silent = await rawServer(() => undefined)
    const o = new Outbound({ allow: ['127.0.0.1/32'], headersTimeoutMs: 200 })
    await expect(o.receive(silent.url, {}, () => () => undefined)).rejects.toMatchObject({ code: 'outbound_failed', message: expect.stringMatching(/no answer in time/) })
  })

  it('never lets a header value add a header or a request', async () => {
    const s = await rawServer((sock) => sock.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'))
    await fetchBody(s.url, { 'x-ok': 'yes', 'x-evil': 'a\r\nx-injected: 1', range: 'bytes=5-' })
    expect(s.requests[0]).toMatch(/\r\nx-ok: yes\r\n/)
    expect(s.requests[0]).toMatch(/\r\nrange: bytes=5-\r\n/)
    expect(s.requests[0]).not.toMatch(/x-injected|x-evil/)
  })

  it('waits for a head handler still deciding after the server closed, then takes the whole body', async () => {
    const s = await rawServer((sock) => sock.end(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`), body])))
    const parts: Buffer[] = []
    const got = await client().receive(s.url, {}, async () => {
      await new Promise((r) => setTimeout(r, 50))
      return (chunk: Buffer) => void parts.push(Buffer.from(chunk))
    })
    expect(got.bytes).toBe(body.length)
    expect(Buffer.concat(parts).equals(body)).toBe(true)
  })

  it('reads straight into a direct sink across pauses, every byte once and in order', async () => {
    const big = Buffer.from(Array.from({ length: 3 << 20 }, (_, i) => (i * 13 + (i >> 11)) & 0xff))
    const s = await rawServer((sock) => sock.end(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${big.length}\r\n\r\n`), big])))
    // two small buffers in turn; every other fill pauses the connection until a timer passes
    const out: Buffer[] = []
    const bufs = [Buffer.alloc(100_000), Buffer.alloc(100_000)]
    let cur = 0
    let fills = 0
    const sink: DirectSink = {
      space: () => bufs[cur] as Buffer,
      filled: (n) => {
        out.push(Buffer.from((bufs[cur] as Buffer).subarray(0, n)))
        cur = 1 - cur
        return ++fills % 2 === 0 ? new Promise((r) => setTimeout(r, 1)) : undefined
      }
    }
    const got = await client().receive(s.url, {}, () => sink)
    expect(got.bytes).toBe(big.length)
    expect(Buffer.concat(out).equals(big)).toBe(true)
  })
})
