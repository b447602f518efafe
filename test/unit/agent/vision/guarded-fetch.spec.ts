import { createServer, type Server } from 'node:http'
import type { AddressInfo, LookupFunction } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GuardedFetcher, GuardedFetchError } from '../../../../agent/src/vision/index.js'
import { resolvesTo } from '../../../helpers/resolver.js'

let server: Server
let port = 0
const isImage = (t: string): boolean => t.startsWith('image/')
const BIG = Buffer.alloc(4096, 1)

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/ok.png') res.writeHead(200, { 'content-type': 'image/png; charset=binary' }).end(Buffer.from('png-bytes'))
    else if (req.url === '/html') res.writeHead(200, { 'content-type': 'text/html' }).end('<p>')
    else if (req.url === '/big') res.writeHead(200, { 'content-type': 'image/png', 'content-length': BIG.length }).end(BIG)
    else if (req.url === '/big-chunked') {
      res.writeHead(200, { 'content-type': 'image/png', 'transfer-encoding': 'chunked' })
      for (let i = 0; i < 8; i++) res.write(BIG)
      res.end()
    } else if (req.url === '/to-self') res.writeHead(302, { location: `http://127.0.0.1:${port}/ok.png` }).end()
    else if (req.url === '/to-loopback-name') res.writeHead(302, { location: `http://localhost:${port}/ok.png` }).end()
    else if (req.url === '/to-metadata') res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end()
    else if (req.url === '/to-other-loopback') res.writeHead(302, { location: `http://127.0.0.2:${port}/ok.png` }).end()
    else if (req.url === '/missing') res.writeHead(404).end()
    else if (req.url === '/hang') {
      // never answers: the deadline ends the fetch
    } else res.writeHead(500).end()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  port = (server.address() as AddressInfo).port
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((r) => server.close(r))
})

const fetcher = (allow: string[], over: Partial<{ maxBytes: number; timeoutMs: number; addressAllow: string[]; lookup: LookupFunction }> = {}): GuardedFetcher =>
  new GuardedFetcher({ maxBytes: 10_000, timeoutMs: 30_000, allow, ...over })

async function reason(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (err) {
    expect(err).toBeInstanceOf(GuardedFetchError)
    return (err as Error).message
  }
  throw new Error('the fetch succeeded')
}

describe('GuardedFetcher', () => {
  it('fetches from an allowed host and reports the content type without parameters', async () => {
    const f = fetcher([`127.0.0.1:${port}`])
    const got = await f.fetch(`http://127.0.0.1:${port}/ok.png`, isImage)
    expect(got.bytes.toString()).toBe('png-bytes')
    expect(got.contentType).toBe('image/png')
    await f.close()
  })

  it('refuses loopback addresses and names that resolve to them, without an exception', async () => {
    const f = fetcher([])
    expect(await reason(f.fetch(`http://127.0.0.1:${port}/ok.png`, isImage))).toMatch(/loopback, private or link-local/)
    expect(await reason(f.fetch(`http://localhost:${port}/ok.png`, isImage))).toMatch(/resolves to .*loopback, private or link-local/)
    expect(await reason(f.fetch(`http://[::1]:${port}/ok.png`, isImage))).toMatch(/loopback/)
    // allowed on another port only
    const other = fetcher([`127.0.0.1:${port + 1}`])
    expect(await reason(other.fetch(`http://127.0.0.1:${port}/ok.png`, isImage))).toMatch(/loopback/)
    await Promise.all([f.close(), other.close()])
  })

  it('checks every redirect target again', async () => {
    const f = fetcher([`127.0.0.1:${port}`])
    expect((await f.fetch(`http://127.0.0.1:${port}/to-self`, isImage)).bytes.toString()).toBe('png-bytes')
    // the allowed host redirects to a name for loopback that is not allowed
    expect(await reason(f.fetch(`http://127.0.0.1:${port}/to-loopback-name`, isImage))).toMatch(/resolves to/)
    // an allowed host redirects into cloud metadata or another loopback address: refused at that hop
    expect(await reason(f.fetch(`http://127.0.0.1:${port}/to-metadata`, isImage))).toMatch(/169\.254\.169\.254 is a cloud metadata address/)
    expect(await reason(f.fetch(`http://127.0.0.1:${port}/to-other-loopback`, isImage))).toMatch(/127\.0\.0\.2 is a loopback address/)
    await f.close()
  })

  it('refuses a public-looking name that resolves to a loopback or private address (DNS rebinding)', async () => {
    for (const address of ['127.0.0.1', '10.0.0.7', '169.254.169.254']) {
      const f = fetcher([], { lookup: resolvesTo(address) })
      expect(await reason(f.fetch(`http://images.example:${port}/ok.png`, isImage)), address).toMatch(new RegExp(`images\\.example resolves to ${address.replace(/\./g, '\\.')}`))
      await f.close()
    }
  })

  it('never reaches a metadata address, even for an allowed host; the node\'s outbound.allow applies to image URLs', async () => {
    const f = fetcher(['169.254.169.254', 'meta.example'], { lookup: resolvesTo('169.254.169.254') })
    expect(await reason(f.fetch('http://169.254.169.254/latest/meta-data/', isImage))).toMatch(/cloud metadata address/)
    expect(await reason(f.fetch('http://meta.example/latest/meta-data/', isImage))).toMatch(/cloud metadata address/)
    const node = fetcher([], { addressAllow: ['127.0.0.1/32'] })
    expect((await node.fetch(`http://127.0.0.1:${port}/ok.png`, isImage)).bytes.toString()).toBe('png-bytes')
    await Promise.all([f.close(), node.close()])
  })

  it('refuses other schemes, credentials, a wrong content type, an HTTP error and bodies over the limit', async () => {
    const f = fetcher([`127.0.0.1:${port}`], { maxBytes: 5_000 })
    expect(await reason(f.fetch('file:///etc/passwd', isImage))).toMatch(/scheme 'file'/)
    expect(await reason(f.fetch('ftp://example.com/x.png', isImage))).toMatch(/scheme 'ftp'/)
    expect(await reason(f.fetch(`http://u:p@127.0.0.1:${port}/ok.png`, isImage))).toMatch(/credentials/)
    expect(await reason(f.fetch('not a url', isImage))).toMatch(/not a valid URL/)
    expect(await reason(f.fetch(`http://127.0.0.1:${port}/html`, isImage))).toMatch(/'text\/html', not an image/)
    expect(await reason(f.fetch(`http://127.0.0.1:${port}/missing`, isImage))).toMatch(/HTTP 404/)
    expect(await reason(f.fetch(`http://127.0.0.1:${port}/big-chunked`, isImage))).toMatch(/over the limit of 5000/)
    const small = fetcher([`127.0.0.1:${port}`], { maxBytes: 1_000 })
    expect(await reason(small.fetch(`http://127.0.0.1:${port}/big`, isImage))).toMatch(/4096 bytes, over the limit of 1000/)
    await Promise.all([f.close(), small.close()])
  })

  it('gives up at the deadline', async () => {
    const f = fetcher([`127.0.0.1:${port}`], { timeoutMs: 300 })
    expect(await reason(f.fetch(`http://127.0.0.1:${port}/hang`, isImage))).toMatch(/did not answer within 300 ms/)
    await f.close()
  })
})
