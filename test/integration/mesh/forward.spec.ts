/**
 * The forward protocol across real libp2p nodes: streaming, cancellation, unreachable peers.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { ForwardError, type ForwardHandler, type ForwardRequest, type ForwardedRequest } from '../../../mesh/src/index.js'
import { within } from '../../helpers/within.js'
import { hostPort, startNode, stopAll, stopNode, waitForFullMesh } from './helpers.js'

afterEach(stopAll)

const enc = new TextEncoder()
const dec = new TextDecoder()

function request(overrides: Partial<ForwardRequest> = {}): ForwardRequest {
  return {
    method: 'POST',
    path: '/v1/chat/completions',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: enc.encode(JSON.stringify({ model: 'tiny', stream: true })),
    requestId: 'req-1',
    hops: 1,
    caller: { kind: 'api-key', id: 'key-1', scopes: ['inference'] },
    ...overrides
  }
}

async function pair() {
  const a = await startNode('a')
  const b = await startNode('b', { peers: [hostPort(a)] })
  await waitForFullMesh([a, b])
  return { a, b }
}

describe('forward', () => {
  // A buffering server deadlocks here (the last chunk waits for the first to arrive): the timeout fails it.
  it('streams 20 chunks back in order, the first arriving before the last is produced', { timeout: 10_000 }, async () => {
    const { a, b } = await pair()
    let firstChunkSeen!: () => void
    const firstSeen = new Promise<void>(resolve => { firstChunkSeen = resolve })
    let lastProducedAt = 0
    let seen: { req: ForwardedRequest; from: string } | undefined
    const handler: ForwardHandler = async (req, from) => {
      seen = { req, from }
      return {
        status: 200,
        headers: { 'content-type': 'text/event-stream' },
        body: (async function* () {
          for (let i = 0; i < 19; i++) yield enc.encode(`data: ${i}\n\n`)
          // Deadlocks (and times out) unless chunks reach the caller while the handler still runs.
          await firstSeen
          lastProducedAt = Date.now()
          yield enc.encode('data: 19\n\n')
        })()
      }
    }
    b.setForwardHandler(handler)

    const res = await a.forward(b.peerId(), request())
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('text/event-stream')
    const chunks: string[] = []
    let firstArrivedAt = 0
    for await (const chunk of res.body) {
      if (chunks.length === 0) {
        firstArrivedAt = Date.now()
        firstChunkSeen()
      }
      chunks.push(dec.decode(chunk))
    }
    expect(chunks.join('')).toBe(Array.from({ length: 20 }, (_, i) => `data: ${i}\n\n`).join(''))
    expect(firstArrivedAt).toBeLessThanOrEqual(lastProducedAt)
    expect(seen?.from).toBe(a.peerId())
    expect(seen?.req).toMatchObject({ method: 'POST', path: '/v1/chat/completions', requestId: 'req-1', hops: 1, caller: { kind: 'api-key', id: 'key-1' } })
    expect(dec.decode(seen?.req.body)).toBe('{"model":"tiny","stream":true}')
    expect(a.stats()).toMatchObject({ forwardsOut: 1, forwardErrors: 0 })
    expect(b.stats()).toMatchObject({ forwardsIn: 1, forwardErrors: 0 })
  })

  it('carries large bodies both ways intact', async () => {
    const { a, b } = await pair()
    const big = new Uint8Array(3 * 1024 * 1024 + 17).map((_, i) => (i * 31) & 0xff)
    b.setForwardHandler(async req => ({
      status: 200,
      headers: {},
      body: (async function* () { yield req.body; yield req.body.subarray(0, 5) })()
    }))
    const res = await a.forward(b.peerId(), request({ body: big }))
    const parts: Uint8Array[] = []
    for await (const c of res.body) parts.push(c)
    const out = Buffer.concat(parts)
    expect(out.byteLength).toBe(big.byteLength + 5)
    expect(out.subarray(0, big.byteLength).equals(Buffer.from(big))).toBe(true)
  })

  it('aborting at the caller aborts the handler signal on the serving node', async () => {
    const { a, b } = await pair()
    let handlerAborted!: (reason: unknown) => void
    const aborted = new Promise(resolve => { handlerAborted = resolve })
    let generatorFinished = false
    b.setForwardHandler(async (_req, _from, { signal }) => {
      signal.addEventListener('abort', () => handlerAborted(signal.reason), { once: true })
      return {
        status: 200,
        headers: {},
        body: (async function* () {
          try {
            yield enc.encode('data: 0\n\n')
            // Then silent (a long prompt being processed): only the stream's close can tell us.
            await new Promise(resolve => signal.addEventListener('abort', resolve, { once: true }))
          } finally {
            generatorFinished = true
          }
        })()
      }
    })
    const controller = new AbortController()
    const res = await a.forward(b.peerId(), request(), { signal: controller.signal })
    const iterator = res.body[Symbol.asyncIterator]()
    await iterator.next()
    controller.abort()
    await within(aborted, 'the serving handler to see the abort')
    await expect(iterator.next()).rejects.toMatchObject({ name: 'ForwardError', code: 'aborted' })
    await expect.poll(() => generatorFinished).toBe(true)
  })

  it('abandoning the body (break) also aborts the handler signal', async () => {
    const { a, b } = await pair()
    let handlerAborted!: () => void
    const aborted = new Promise<void>(resolve => { handlerAborted = resolve })
    b.setForwardHandler(async (_req, _from, { signal }) => {
      signal.addEventListener('abort', () => handlerAborted(), { once: true })
      return {
        status: 200,
        headers: {},
        body: (async function* () {
          while (!signal.aborted) {
            yield enc.encode('x')
            await new Promise(resolve => setTimeout(resolve, 5))
          }
        })()
      }
    })
    const res = await a.forward(b.peerId(), request())
    for await (const _ of res.body) break
    await within(aborted, 'the serving handler to see the abort')
  })

  it('an abort before the head rejects with code aborted and aborts the handler', async () => {
    const { a, b } = await pair()
    let handlerAborted!: () => void
    const aborted = new Promise<void>(resolve => { handlerAborted = resolve })
    let entered!: () => void
    const inHandler = new Promise<void>(resolve => { entered = resolve })
    b.setForwardHandler(async (_req, _from, { signal }) => {
      entered()
      await new Promise<void>(resolve => signal.addEventListener('abort', () => { handlerAborted(); resolve() }, { once: true }))
      throw new Error('aborted')
    })
    const controller = new AbortController()
    const pending = a.forward(b.peerId(), request(), { signal: controller.signal })
    await within(inHandler, 'the serving handler to start')
    controller.abort()
    await expect(pending).rejects.toMatchObject({ code: 'aborted' })
    await within(aborted, 'the serving handler to see the abort')
  })

  it('rejects with ForwardError peer_unreachable when the peer has stopped', async () => {
    const { a, b } = await pair()
    const bId = b.peerId()
    await stopNode(b, { leave: false })
    const err = await a.forward(bId, request()).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ForwardError)
    expect(err).toMatchObject({ code: 'peer_unreachable', peerId: bId })
    expect(a.stats().forwardErrors).toBe(1)
  })

  it('a serving node that dies mid-body makes the body iterator throw stream_failed', async () => {
    const { a, b } = await pair()
    let stopped!: () => void
    const bStopped = new Promise<void>(resolve => { stopped = resolve })
    b.setForwardHandler(async () => ({
      status: 200,
      headers: {},
      body: (async function* () {
        yield enc.encode('one')
        await bStopped
        yield enc.encode('two')
      })()
    }))
    const res = await a.forward(b.peerId(), request())
    const iterator = res.body[Symbol.asyncIterator]()
    expect(dec.decode((await iterator.next()).value)).toBe('one')
    await stopNode(b, { leave: false })
    stopped()
    await expect(iterator.next()).rejects.toMatchObject({ name: 'ForwardError', code: 'stream_failed' })
  })

  it('a handler failing mid-body ends the stream with stream_failed; before the head with a 500', async () => {
    const { a, b } = await pair()
    let mode: 'mid' | 'before' = 'mid'
    b.setForwardHandler(async () => {
      if (mode === 'before') throw new Error('boom')
      return {
        status: 200,
        headers: {},
        body: (async function* () { yield enc.encode('partial'); throw new Error('boom') })()
      }
    })
    const res = await a.forward(b.peerId(), request())
    const got: string[] = []
    await expect((async () => { for await (const c of res.body) got.push(dec.decode(c)) })()).rejects.toMatchObject({ code: 'stream_failed' })
    expect(got).toEqual(['partial'])

    mode = 'before'
    const res2 = await a.forward(b.peerId(), request())
    expect(res2.status).toBe(500)
    let text = ''
    for await (const c of res2.body) text += dec.decode(c)
    expect(JSON.parse(text)).toMatchObject({ error: { type: 'server_error' } })
  })

  it('answers 503 without a handler and after leave()', async () => {
    const { a, b } = await pair()
    expect((await a.forward(b.peerId(), request())).status).toBe(503)
    b.setForwardHandler(async () => ({ status: 200, headers: {}, body: (async function* () {})() }))
    expect((await a.forward(b.peerId(), request())).status).toBe(200)
    await b.leave()
    const res = await a.forward(b.peerId(), request())
    expect(res.status).toBe(503)
    for await (const _ of res.body) { /* drain */ }
  })

  it('refuses requests over the body limit before sending', async () => {
    const a = await startNode('a', { limits: { maxBodyBytes: 1024 } })
    const b = await startNode('b', { peers: [hostPort(a)] })
    await waitForFullMesh([a, b])
    await expect(a.forward(b.peerId(), request({ body: new Uint8Array(2048) }))).rejects.toMatchObject({ code: 'request_too_large' })
  })
})
