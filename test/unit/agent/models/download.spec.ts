/**
 * The download's transfer against a plain node:http server: a body with a length (read by rawGet
 * into its reused buffer), a chunked body (fetched again through undici), a resume with Range, and
 * a connection that closes early (an error, the bytes on disk kept for the next resume).
 */
import { createHash } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { downloadDispatcher, downloadFile } from '../../../../agent/src/models/hf/download.js'

// larger than the read buffer and a write batch, not a multiple of either
const FILE = Buffer.from(Array.from({ length: (9 << 20) + 12345 }, (_, i) => (i * 31 + (i >> 9)) & 0xff))
const SHA = createHash('sha256').update(FILE).digest('hex')
let server: Server
let base = ''
let dir = ''
const ranges: (string | undefined)[] = []

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'llmlb-dl-'))
  server = createServer((req, res) => {
    ranges.push(req.headers.range)
    const start = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0)
    const body = FILE.subarray(start)
    if (req.url === '/chunked') {
      // no content-length: node sends transfer-encoding chunked
      res.writeHead(start > 0 ? 206 : 200)
      for (let i = 0; i < body.length; i += 1 << 20) res.write(body.subarray(i, i + (1 << 20)))
      return res.end()
    }
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

const get = (path: string, partPath: string) =>
  downloadFile({ url: `${base}${path}`, dispatcher: downloadDispatcher(), repo: 'o/r', file: 'f.gguf', partPath, size: FILE.length, sha256: SHA, onProgress: () => undefined })

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

  it('a connection closed early is an error; the bytes written stay for the next resume', async () => {
    const part = join(dir, 'cut.part')
    await expect(get('/cut', part)).rejects.toThrow(/closed after \d+ of \d+ bytes/)
    const kept = await readFile(part)
    expect(kept.length).toBeGreaterThan(0)
    expect(kept.equals(FILE.subarray(0, kept.length))).toBe(true)
    await get('/plain', part)
    expect((await readFile(part)).equals(FILE)).toBe(true)
  })
})
