/**
 * Answers sent before the request body was read (413 from content-length, 401 before the body, 404 for
 * an unknown route) reach the client: the node reads and discards the rest of the upload within bounds
 * (lingering close) instead of resetting the connection under it. Driven by the official openai client,
 * which does not send `Expect: 100-continue` and so keeps uploading after the answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect, type Socket } from 'node:net'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import OpenAI, { APIError } from 'openai'
import { startAgent, stopAllAgents, tempDir, tinyModel, waitFor, type RunningAgent } from '../../helpers/agent-process.js'
import { within } from '../../helpers/within.js'

const MODEL = 'tiny-early'
/** The test node's lingering bound (ms); small so the cut-off is seen quickly. */
const LINGER_MS = 1_500
const NINE_MIB = 'x'.repeat(9 * 1024 * 1024)

let agent: RunningAgent
let key: string
let client: OpenAI

beforeAll(async () => {
  const dataDir = await tempDir()
  await writeFile(join(dataDir, 'config.json'), JSON.stringify({ lingerClose: { maxMs: LINGER_MS } }))
  agent = await startAgent({ name: 'early', dataDir, models: [await tinyModel(MODEL)], auth: true, adminPassword: 'early-answers-pw' })
  key = await waitFor(() => /API key:\s+(llmlb_initial_\S+)/.exec(agent.output())?.[1], 'the initial API key in the output')
  client = new OpenAI({ baseURL: `${agent.url}/v1`, apiKey: key, maxRetries: 0 })
})
afterAll(stopAllAgents)

/** The API error an openai call fails with (never a connection error). */
async function apiError(p: Promise<unknown>): Promise<APIError> {
  const err = await p.then(
    () => new Error('the request succeeded'),
    (e: unknown) => e
  )
  expect(err, String(err)).toBeInstanceOf(OpenAI.APIError)
  expect(err).not.toBeInstanceOf(OpenAI.APIConnectionError)
  return err as APIError
}

const oversizedChat = (c: OpenAI): Promise<unknown> => c.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: NINE_MIB }] })

async function expectTooLarge(): Promise<void> {
  const e = await apiError(oversizedChat(client))
  expect(e.status).toBe(413)
  expect(e.error).toMatchObject({ code: 'request_too_large', type: 'invalid_request_error' })
}

async function expectServing(): Promise<void> {
  const ok = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 })
  expect(ok.choices).toHaveLength(1)
}

/** Opens a raw connection, sends `head`, then keeps writing `chunk` until the node closes the socket. */
function endlessUpload(head: string, chunk: Buffer, pauseMs: number): Promise<{ answer: string; sent: number }> {
  return within(
    new Promise((resolve, reject) => {
      // half-open: like an HTTP client still uploading, it keeps sending after the node's FIN
      const socket: Socket = connect({ port: agent.port, host: '127.0.0.1', allowHalfOpen: true })
      let answer = ''
      let sent = 0
      let timer: NodeJS.Timeout | undefined
      const pump = (): void => {
        if (socket.destroyed || socket.writableEnded) return
        sent += chunk.length
        const more = socket.write(chunk)
        if (pauseMs > 0) timer = setTimeout(pump, pauseMs)
        else if (more) setImmediate(pump)
        else socket.once('drain', pump)
      }
      socket.on('connect', () => {
        socket.write(head)
        pump()
      })
      socket.on('data', (d: Buffer) => (answer += d.toString('latin1')))
      // the node ends it: a FIN (end) or a reset (error) both count; what matters is that it ends
      socket.on('error', () => undefined)
      socket.on('close', () => {
        clearTimeout(timer)
        resolve({ answer, sent })
      })
      socket.on('timeout', () => reject(new Error('no progress on the socket')))
    }),
    'the node to cut off an endless upload',
    30_000
  )
}

describe('early answers reach the client (lingering close)', () => {
  it('20 sequential 9 MiB uploads all get the 413 with the OpenAI error body', async () => {
    for (let i = 0; i < 20; i++) await expectTooLarge()
    await expectServing()
  })

  it('20 uploads of 9 MiB, 5 at a time, all get the 413', async () => {
    for (let round = 0; round < 4; round++) await Promise.all(Array.from({ length: 5 }, expectTooLarge))
    await expectServing()
  })

  it('an unauthenticated 9 MiB upload gets the 401', async () => {
    const wrong = new OpenAI({ baseURL: `${agent.url}/v1`, apiKey: 'llmlb_wrong_key', maxRetries: 0 })
    for (let i = 0; i < 5; i++) {
      const e = await apiError(wrong.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: NINE_MIB.slice(0, 7 * 1024 * 1024) }] }))
      expect(e.status).toBe(401)
      expect(e.error).toMatchObject({ code: 'unauthorized', type: 'authentication_error' })
    }
    await expectServing()
  })

  it('a 9 MiB upload to an unknown route gets the 404, whatever its content type', async () => {
    for (let i = 0; i < 5; i++) {
      const e = await apiError(client.post('/nothing/here', { body: { input: NINE_MIB } }))
      expect(e.status).toBe(404)
      expect(e.error).toMatchObject({ code: 'route_not_found' })
    }
    const multipart = await fetch(`${agent.url}/v1/not-a-route`, {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=xyz', authorization: `Bearer ${key}` },
      body: `--xyz\r\ncontent-disposition: form-data; name="file"; filename="a.wav"\r\n\r\nRIFF....\r\n--xyz--\r\n`
    })
    expect(multipart.status).toBe(404)
    expect(((await multipart.json()) as { error: { code: string } }).error.code).toBe('route_not_found')
    await expectServing()
  })

  it('a slow uploader that never finishes is cut off after the time bound, with the 413 read', async () => {
    const head = `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${key}\r\ncontent-type: application/json\r\ncontent-length: ${1 << 30}\r\n\r\n`
    const t0 = Date.now()
    const r = await endlessUpload(head, Buffer.alloc(1024, 'x'), 20)
    expect(r.answer).toMatch(/^HTTP\/1\.1 413 /)
    expect(r.answer).toContain('request_too_large')
    // it lingered (not an immediate reset) and then stopped waiting
    expect(Date.now() - t0).toBeGreaterThanOrEqual(LINGER_MS - 100)
    await expectServing()
  })

  it('a fast endless chunked upload to an unknown route is cut off by the byte bound', async () => {
    const head = `POST /no/such/route HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${key}\r\ntransfer-encoding: chunked\r\n\r\n`
    const piece = Buffer.alloc(64 * 1024, 'y')
    const chunk = Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')])
    const r = await endlessUpload(head, chunk, 0)
    expect(r.answer).toMatch(/^HTTP\/1\.1 404 /)
    // the node read no more than its byte bound (twice the 8 MiB body limit) plus what sat in buffers
    expect(r.sent).toBeLessThan(64 * 1024 * 1024)
    await expectServing()
  })
})
