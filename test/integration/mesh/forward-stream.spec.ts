/**
 * Streamed request bodies across real libp2p nodes (yamux, noise, pnet): a body larger than the
 * buffered limit reaches the handler of a streamed path, and a handler that reads slowly holds the
 * sender back — the source is never read far ahead of the handler (back-pressure end to end).
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { ForwardBodySource, ForwardHandler, Libp2pMeshInit } from '../../../mesh/src/index.js'
import { READ_AHEAD_FRAMES } from '../../../mesh/src/forward/frame-channel.js'
import { MAX_FORWARD_FRAME_BYTES } from '../../../mesh/src/constants.js'
import { hostPort, startNode, stopAll, waitForFullMesh } from './helpers.js'

afterEach(stopAll)

const PATH = '/v1/upload'
const CHUNK = 64 * 1024
/** Every chunk carries the same bytes (byte i of the body is i & 0xff: CHUNK is a multiple of 256). */
const PATTERN = Uint8Array.from({ length: CHUNK }, (_, i) => i & 0xff)

/** A source of `total` bytes (byte i is i & 0xff) that counts what was read from it and how often it was opened. */
function countingSource(total: number): ForwardBodySource & { pulled: number; opened: number } {
  const src = {
    byteLength: total,
    pulled: 0,
    opened: 0,
    async *open() {
      src.opened++
      for (let at = 0; at < total; at += CHUNK) {
        const n = Math.min(CHUNK, total - at)
        src.pulled += n
        yield PATTERN.slice(0, n)
      }
    }
  }
  return src
}

async function pair(limits: Libp2pMeshInit['limits'], handler: ForwardHandler) {
  const a = await startNode('a', { limits })
  const b = await startNode('b', { peers: [hostPort(a)], limits })
  await waitForFullMesh([a, b])
  b.setForwardHandler(handler, { streamedPaths: new Set([PATH]) })
  return { a, b }
}

const reply = (text: string) => ({ status: 200, headers: {}, body: (async function* () { yield new TextEncoder().encode(text) })() })

describe('streamed forward request bodies', () => {
  it('a body over the buffered limit reaches a streamed path whole; the same body on another path is refused', { timeout: 60_000 }, async () => {
    const total = 3 * 1024 * 1024
    const { a, b } = await pair({ maxBodyBytes: 1024 * 1024 }, async (req) => {
      if (!req.stream) return reply(`buffered ${req.body.byteLength}`)
      let n = 0
      let ok = true
      for await (const chunk of req.stream) {
        // chunks may be cut anywhere: compare against the pattern at this offset
        const at = n % 256
        if (Buffer.compare(chunk, Buffer.from(PATTERN.buffer, at, Math.min(chunk.byteLength, CHUNK - at))) !== 0 && chunk.byteLength <= CHUNK - at) ok = false
        n += chunk.byteLength
      }
      return reply(`streamed ${n} ${ok}`)
    })
    const res = await a.forward(b.peerId(), { method: 'POST', path: PATH, headers: {}, body: countingSource(total), requestId: 'r1', hops: 1 })
    let text = ''
    for await (const c of res.body) text += new TextDecoder().decode(c)
    expect(text).toBe(`streamed ${total} true`)
    // a buffered body of that size is over the limit: refused before anything is sent
    await expect(a.forward(b.peerId(), { method: 'POST', path: '/v1/other', headers: {}, body: new Uint8Array(total), requestId: 'r2', hops: 1 })).rejects.toMatchObject({ code: 'request_too_large' })
  })

  it('a slow handler holds the sender back: the source is never read far ahead of what the handler took', { timeout: 120_000 }, async () => {
    const total = 24 * 1024 * 1024
    /** The most the source was ever ahead of the handler (bytes). */
    let maxAhead = 0
    let consumed = 0
    const source = countingSource(total)
    let resumeHandler!: () => void
    const { a, b } = await pair({}, async (req) => {
      const stream = req.stream
      if (!stream) throw new Error('expected a streamed body')
      for await (const chunk of stream) {
        consumed += chunk.byteLength
        maxAhead = Math.max(maxAhead, source.pulled - consumed)
        // the first megabyte, then stop reading until the sender has stalled
        if (consumed >= 1024 * 1024 && resumeHandler === undefined) await new Promise<void>((r) => { resumeHandler = r })
      }
      return reply(`got ${consumed}`)
    })
    const pending = a.forward(b.peerId(), { method: 'POST', path: PATH, headers: {}, body: source, requestId: 'r1', hops: 1 })
    // wait until the sender stops pulling while the handler does not read: back-pressure reached it
    let last = -1
    while (resumeHandler === undefined || source.pulled !== last) {
      last = source.pulled
      await new Promise((r) => setImmediate(r))
      await new Promise((r) => setTimeout(r, 200))
    }
    const stalledAt = source.pulled
    expect(stalledAt).toBeLessThan(total)
    resumeHandler()
    const res = await pending
    let text = ''
    for await (const c of res.body) text += new TextDecoder().decode(c)
    expect(text).toBe(`got ${total}`)
    expect(source.opened).toBe(1)
    // bounded by yamux's stream window (it grows to 16 MiB at most), the channel's read-ahead and a
    // chunk in flight — never the whole body
    const bound = 16 * 1024 * 1024 + READ_AHEAD_FRAMES * MAX_FORWARD_FRAME_BYTES + 2 * CHUNK
    expect(maxAhead).toBeLessThanOrEqual(bound)
    expect(stalledAt - 1024 * 1024).toBeLessThanOrEqual(bound)
  })
})
