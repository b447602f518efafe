/**
 * One GET for a large body (a model download) on a plain socket that reads into one 1 MiB buffer
 * (Node's `onread`): a 455 MB file arrives in a few hundred reads handed straight to the sink, where
 * undici's socket gives 64 KiB pieces that each cross its HTTP parser and a copy. That difference is
 * most of the distance to curl (specs/benchmarks.md, pull).
 *
 * Deliberately narrow: HTTP/1.1, one request per connection (`connection: close`), and only answers
 * framed by Content-Length are read here. Any other framing (chunked, or a body until close) is asked
 * again through undici (`fallback`), which speaks all of HTTP; so is any request that is not a plain
 * GET. The connection goes through the same guard as undici's (connect-guard.ts).
 */
import { connect as netConnect, isIP, type Socket } from 'node:net'
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls'
import type { LookupFunction } from 'node:net'
import type { AddressPolicy } from './address-policy.js'
import { literalRefusal } from './connect-guard.js'
import { OutboundFailedError } from './outbound-errors.js'
import type { OutboundInit } from './outbound.js'
import { copyingInto, type BodySink, type ChunkSink, type DirectSink, type HeadHandler, type Received, type ReceivedHead } from './receive.js'
import { bodyFraming, type BodyFraming } from './body-framing.js'

/** Bytes one read may bring before a direct sink takes over (the pieces of a chunk sink are at most this). */
export const BULK_READ_BYTES = 1 << 20
/** Largest response head read (status line and headers). */
export const MAX_HEAD_BYTES = 64 << 10

export interface BulkGuard {
  policy: AddressPolicy
  lookup: LookupFunction
  headersTimeoutMs: number
  bodyIdleTimeoutMs: number
}

/** A parsed response head; `rest` is what the same reads brought of the body. Pure. */
export function parseResponseHead(bytes: Buffer): { status: number; headers: Record<string, string | string[]>; rest: Buffer } | 'partial' | { error: string } {
  const end = bytes.indexOf('\r\n\r\n')
  if ((end < 0 ? bytes.length : end) > MAX_HEAD_BYTES) return { error: `an answer head over ${MAX_HEAD_BYTES} bytes` }
  if (end < 0) return 'partial'
  const [statusLine = '', ...lines] = bytes.subarray(0, end).toString('latin1').split('\r\n')
  const m = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(statusLine)
  if (!m) return { error: `not an HTTP/1.1 answer: ${JSON.stringify(statusLine.slice(0, 40))}` }
  const headers: Record<string, string | string[]> = {}
  for (const line of lines) {
    const colon = line.indexOf(':')
    if (colon <= 0) return { error: `a malformed header line: ${JSON.stringify(line.slice(0, 40))}` }
    const name = line.slice(0, colon).trim().toLowerCase()
    const value = line.slice(colon + 1).trim()
    const prev = headers[name]
    headers[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value]
  }
  return { status: Number(m[1]), headers, rest: bytes.subarray(end + 4) }
}

function requestHead(u: URL, method: string, headers: Record<string, string> = {}, body?: Uint8Array): string {
  const lines = [`${method} ${u.pathname}${u.search} HTTP/1.1`, `host: ${u.host}`, 'connection: close']
  if (body) lines.push(`content-length: ${body.byteLength}`)
  for (const [k, v] of Object.entries(headers)) {
    // a value with a line break would smuggle headers (or a second request) in
    if (/[\r\n]/.test(k) || /[\r\n]/.test(v) || ['host', 'connection', 'content-length', 'transfer-encoding'].includes(k.toLowerCase())) continue
    lines.push(`${k}: ${v}`)
  }
  return `${lines.join('\r\n')}\r\n\r\n`
}

/**
 * One exchange (see receive.ts, ReceiveOnce): resolves once the sink took the whole body, or the head
 * handler dropped it.
 */
export function bulkOnce(guard: BulkGuard, u: URL, method: string, init: OutboundInit, onHead: HeadHandler): Promise<Received> {
  return new Promise<Received>((resolve, reject) => {
    init.signal?.throwIfAborted()
    const refused = literalRefusal(guard.policy, u.protocol, u.hostname)
    if (refused) throw refused
    const readBuffer = Buffer.allocUnsafe(BULK_READ_BYTES)
    let headBytes: Buffer = Buffer.alloc(0)
    let head: ReceivedHead | undefined
    let framing: BodyFraming | undefined
    let sink: ChunkSink | undefined
    let direct: DirectSink | undefined
    let bytes = 0
    let settled = false
    let paused = false
    let eof = false
    // `eof`: the connection ended; `paused`: waiting on the sink or the head handler
    const settle = (fn: () => void): void => {
      if (settled) return
      settled = true
      clearTimeout(headTimer)
      init.signal?.removeEventListener('abort', onAbort)
      socket.destroy()
      fn()
    }
    const fail = (err: unknown): void => settle(() => reject(err))
    const done = (): void => settle(() => resolve({ head: head as ReceivedHead, bytes }))
    const onAbort = (): void => fail(init.signal?.reason instanceof Error ? init.signal.reason : new Error('aborted'))
    // waits on the sink (or the head handler) with the socket paused, then goes on with `next`
    const wait = (p: Promise<unknown>, next: () => void): false => {
      paused = true
      socket.setTimeout(0)
      p.then(() => {
        if (settled) return
        paused = false
        next()
        if (settled || paused) return
        if (eof) atEof()
        else {
          socket.setTimeout(guard.bodyIdleTimeoutMs)
          socket.resume()
        }
      }, fail)
      return false
    }
    // the body is complete (or cut short by a bad coding): the exchange ends
    const complete = (): boolean => {
      const f = framing as BodyFraming
      if (f.error) fail(new OutboundFailedError(u.toString(), f.error))
      else if (f.done || (eof && f.endsAtClose)) done()
      return !settled
    }
    // hands body slices to the sink in order; false pauses the socket until the sink is ready again
    const pump = (slices: Buffer[], from: number): boolean => {
      for (let i = from; i < slices.length; i++) {
        const slice = slices[i] as Buffer
        bytes += slice.length
        let w: Promise<void> | undefined
        try {
          w = (sink as ChunkSink)(slice)
        } catch (err) {
          fail(err)
          return false
        }
        if (w) return wait(w, () => void pump(slices, i + 1))
      }
      return complete()
    }
    const deliver = (piece: Buffer): boolean => pump((framing as BodyFraming).take(piece), 0)
    // a read that landed in the direct sink's memory: only its length crosses (raw framing: from the piece's start)
    const landed = (piece: Buffer): boolean => {
      const len = (framing as BodyFraming).take(piece)[0]?.length ?? 0
      bytes += len
      let w: Promise<void> | undefined
      try {
        w = len > 0 ? (direct as DirectSink).filled(len) : undefined
      } catch (err) {
        fail(err)
        return false
      }
      return w ? wait(w, () => void complete()) : complete()
    }
    const begin = (chosen: BodySink | undefined, rest: Buffer): boolean => {
      if (!chosen) {
        bytes = 0
        done()
        return false
      }
      if (typeof chosen === 'function') sink = chosen
      else {
        sink = copyingInto(chosen)
        // reads land in the sink from the next one on, where the body is the bytes as they come
        if ((framing as BodyFraming).raw) direct = chosen
      }
      socket.setTimeout(guard.bodyIdleTimeoutMs)
      return deliver(rest)
    }
    const onHeadBytes = (piece: Buffer): boolean => {
      headBytes = Buffer.concat([headBytes, piece])
      const parsed = parseResponseHead(headBytes)
      if (parsed === 'partial') return true
      if ('error' in parsed) {
        fail(new OutboundFailedError(u.toString(), parsed.error))
        return false
      }
      // 1xx: an interim answer, the real one follows
      if (parsed.status < 200) {
        headBytes = Buffer.alloc(0)
        return parsed.rest.length > 0 ? onHeadBytes(parsed.rest) : true
      }
      clearTimeout(headTimer)
      const f = bodyFraming(parsed.status, parsed.headers)
      if (typeof f === 'string') {
        fail(new OutboundFailedError(u.toString(), f))
        return false
      }
      framing = f
      head = { status: parsed.status, headers: parsed.headers, url: u.toString() }
      // `rest` is a copy (the concat above): it survives a wait for the head handler
      const rest = parsed.rest
      let chosen: ReturnType<HeadHandler>
      try {
        chosen = onHead(head)
      } catch (err) {
        fail(err)
        return false
      }
      if (!(chosen instanceof Promise)) return begin(chosen, rest)
      let picked: BodySink | undefined
      return wait(chosen.then((s) => void (picked = s)), () => void begin(picked, rest))
    }
    const onRead = (n: number, buf: Uint8Array): boolean => {
      if (settled) return false
      const piece = Buffer.from(buf.buffer, buf.byteOffset, n)
      if (!head) return onHeadBytes(piece)
      return direct && buf.buffer !== readBuffer.buffer ? landed(piece) : deliver(piece)
    }
    const host = u.hostname.replace(/^\[|\]$/g, '')
    const port = Number(u.port) || (u.protocol === 'https:' ? 443 : 80)
    // asked after every read: the next one lands in the direct sink once there is one
    const onread = { buffer: () => (direct ? direct.space() : readBuffer), callback: onRead }
    const socket: Socket =
      u.protocol === 'https:'
        ? // onread is a TLS option since Node 15 (docs: tls.connect); the types do not list it
          tlsConnect({ host, port, lookup: guard.lookup, onread, servername: isIP(host) ? undefined : host, ALPNProtocols: ['http/1.1'] } as ConnectionOptions)
        : netConnect({ host, port, lookup: guard.lookup, onread })
    const headTimer = setTimeout(() => fail(new OutboundFailedError(u.toString(), 'no answer in time')), guard.headersTimeoutMs)
    init.signal?.addEventListener('abort', onAbort, { once: true })
    socket.on('timeout', () => fail(new OutboundFailedError(u.toString(), 'no data in time')))
    // an error after the whole body arrived (a reset as the server closes) costs nothing: the sink finishes
    socket.on('error', (err) => {
      if (!framing?.done) fail(err)
    })
    // the connection's end: judged once the sink has what was read before it (see wait)
    const atEof = (): void => {
      if (head && sink && framing?.endsAtClose) done()
      else fail(new OutboundFailedError(u.toString(), 'connection closed before the answer was complete'))
    }
    const onEnd = (): void => {
      if (eof) return
      eof = true
      if (!paused) atEof()
    }
    socket.on('end', onEnd)
    socket.on('close', onEnd)
    const body = typeof init.body === 'string' ? Buffer.from(init.body) : init.body
    socket.write(requestHead(u, method, init.headers, body))
    if (body) socket.write(body)
  })
}
