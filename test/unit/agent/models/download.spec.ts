/**
 * The download's transfer against a plain node:http server, through the node's outbound client: a
 * body with a length, a chunked body, a resume with Range, a connection that closes early (an error,
 * the bytes on disk kept for the next resume), and the outbound policy on every hop (a redirect into
 * a blocked range, a name that resolves to one, the token dropped on the way to another origin).
 */
import { createHash } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { downloadClient, downloadFile } from '../../../../agent/src/models/hf/download.js'
import { resolvePlan } from '../../../../agent/src/models/hf/hub-client.js'
import { resolvesTo } from '../../../helpers/resolver.js'

// larger than the read buffer and a write batch, not a multiple of either
const FILE = Buffer.from(Array.from({ length: (9 << 20) + 12345 }, (_, i) => (i * 31 + (i >> 9)) & 0xff))
const SHA = createHash('sha256').update(FILE).digest('hex')
let server: Server
let base = ''
let dir = ''
const ranges: (string | undefined)[] = []
const auth: (string | undefined)[] = []

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'llmlb-dl-'))
  server = createServer((req, res) => {
    ranges.push(req.headers.range)
    auth.push(req.headers.authorization)
    const to = /^\/redirect-to\?(.*)$/.exec(req.url ?? '')
    if (to?.[1]) return res.writeHead(302, { location: decodeURIComponent(to[1]) }).end()
    const start = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0)
    const body = FILE.subarray(start)
    if (req.url === '/chunked') {
      // no content-length: node sends transfer-encoding chunked
      res.writeHead(start > 0 ? 206 : 200)
      for (let i = 0; i < body.length; i += 1 << 20) res.write(body.subarray(i, i + (1 << 20)))
      return res.end()
    }
    if (req.url === '/denied') return res.writeHead(403, { 'content-type': 'text/html' }).end('<html>denied</html>')
    if (req.url === '/no-range') return res.writeHead(200, { 'content-length': String(FILE.length) }).end(FILE)
    if (req.url === '/cut') {
      res.writeHead(200, { 'content-length': String(FILE.length) })
      return res.end(FILE.subarray(0, 5 << 20), () => res.socket?.destroy())
    }
    res.writeHead(start > 0 ? 206 : 200, { 'content-length': String(body.length) })
    res.end(body)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((r) => server.close(r))
  await rm(dir, { recursive: true, force: true })
})

// the test server is on loopback: allowed here as an operator allows a local hub mirror
const loopback = downloadClient({ allow: ['127.0.0.1/32'] })
const get = (path: string, partPath: string, client = loopback, token?: string) =>
  downloadFile({ url: path.startsWith('http') ? path : `${base}${path}`, client, token, repo: 'o/r', file: 'f.gguf', partPath, size: FILE.length, sha256: SHA, onProgress: () => undefined })

describe('downloadFile', () => {
  it('a body with a length, and a chunked one, arrive whole and verified', async () => {
    for (const path of ['/plain', '/chunked']) {
      const part = join(dir, `${path.slice(1)}.part`)
      await get(path, part)
      expect((await readFile(part)).equals(FILE), path).toBe(true)
    }
  })

  it('resumes from the bytes on disk with Range', async () => {
    const part = join(dir, 'resume.part')
    await writeFile(part, FILE.subarray(0, 3_000_001))
    ranges.length = 0
    await get('/plain', part)
    expect(ranges).toEqual(['bytes=3000001-'])
    expect((await readFile(part)).equals(FILE)).toBe(true)
  })

  it('starts over when the server ignores the range, and discards a file whose SHA-256 differs', async () => {
    const part = join(dir, 'norange.part')
    // a stale prefix that is not the file's: a resume would keep it, a restart replaces it
    await writeFile(part, Buffer.alloc(1_000_000, 0xee))
    await get('/no-range', part)
    expect((await readFile(part)).equals(FILE)).toBe(true)
    const bad = join(dir, 'bad.part')
    await expect(downloadFile({ url: `${base}/plain`, client: loopback, repo: 'o/r', file: 'f.gguf', partPath: bad, size: FILE.length, sha256: '0'.repeat(64), onProgress: () => undefined })).rejects.toMatchObject({ code: 'checksum_mismatch' })
    await expect(readFile(bad)).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('a connection closed early is an error; the bytes written stay for the next resume', async () => {
    const part = join(dir, 'cut.part')
    await expect(get('/cut', part)).rejects.toThrow(/closed before the answer was complete/)
    const kept = await readFile(part)
    expect(kept.length).toBeGreaterThan(0)
    expect(kept.equals(FILE.subarray(0, kept.length))).toBe(true)
    await get('/plain', part)
    expect((await readFile(part)).equals(FILE)).toBe(true)
  })

  it('refuses a redirect into a blocked range and a name that resolves to one; nothing is written', async () => {
    for (const target of ['http://169.254.169.254/latest/meta-data/', `http://127.0.0.2:${new URL(base).port}/plain`, 'http://10.0.0.1/x']) {
      const part = join(dir, 'blocked.part')
      await expect(get(`/redirect-to?${encodeURIComponent(target)}`, part)).rejects.toMatchObject({ code: 'outbound_blocked' })
      await expect(readFile(part)).rejects.toMatchObject({ code: 'ENOENT' })
    }
    // a CDN name that resolves to a loopback address not allowed (as a rebinding DNS answer would)
    const client = downloadClient({ allow: ['127.0.0.1/32'], lookup: resolvesTo('127.0.0.2') })
    await expect(get(`http://cdn.test:${new URL(base).port}/plain`, join(dir, 'named.part'), client)).rejects.toMatchObject({ code: 'outbound_blocked' })
    // the default policy (no allow-list) refuses the loopback hub itself
    await expect(get('/plain', join(dir, 'default.part'), downloadClient())).rejects.toMatchObject({ code: 'outbound_blocked' })
    await client.close()
  })

  it('a 403 from the hub blames access, a 403 from the server it redirected to blames that link', async () => {
    await expect(get('/denied', join(dir, 'denied.part'))).rejects.toMatchObject({ code: 'hub_access_denied' })
    const client = downloadClient({ allow: ['127.0.0.1/32'], lookup: resolvesTo('127.0.0.1') })
    const cdn = `http://cdn.test:${new URL(base).port}`
    const err = await get(`/redirect-to?${encodeURIComponent(`${cdn}/denied`)}`, join(dir, 'cdn-denied.part'), client, 'hf_secret').catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'hub_unavailable', message: expect.stringContaining(`The Hugging Face hub at ${cdn} failed: downloading f.gguf: the download server the hub redirected to answered 403`) })
    expect((err as Error).message).not.toMatch(/HF_TOKEN/)
    await client.close()
  })

  it('sends the token to the first origin only', async () => {
    // another origin (a CDN name) on the same server
    const other = `http://cdn.test:${new URL(base).port}/plain`
    const client = downloadClient({ allow: ['127.0.0.1/32'], lookup: resolvesTo('127.0.0.1') })
    auth.length = 0
    await get(`/redirect-to?${encodeURIComponent(other)}`, join(dir, 'token.part'), client, 'hf_secret')
    expect(auth).toEqual(['Bearer hf_secret', undefined])
    await client.close()
  })

  it('resolves a repo through the same policy: a hub endpoint on a blocked address is refused with the reason', async () => {
    const hub = { endpoint: base }
    await expect(resolvePlan({ repo: 'o/r', revision: 'main' }, hub, undefined, downloadClient().fetch)).rejects.toMatchObject({ code: 'outbound_blocked', message: expect.stringMatching(/127\.0\.0\.1 is a loopback address/) })
  })
})
