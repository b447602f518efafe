/**
 * The `fetch` the hub client gets (net/bulk-fetch.ts): GETs on the bulk client, read whole and
 * answered with the parts of a Response the client reads; anything else through the fallback.
 */
import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Outbound } from '../../../../agent/src/net/index.js'
import { bulkFetch } from '../../../../agent/src/net/bulk-fetch.js'

let server: Server
let base = ''
const seen: { method: string; url: string; headers: Record<string, string | string[] | undefined> }[] = []

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers })
    if (req.url === '/page') {
      res.setHeader('content-type', 'application/json')
      res.setHeader('link', `<${base}/next>; rel="next"`)
      res.setHeader('x-repeat', ['a', 'b'])
      return res.end(JSON.stringify([{ path: 'a.gguf' }]))
    }
    // no content-length: chunked
    if (req.url === '/chunked') {
      res.write('{"parts":')
      setImmediate(() => res.end('[1,2,3]}'))
      return
    }
    if (req.url === '/moved') {
      res.statusCode = 302
      res.setHeader('location', '/page')
      return res.end()
    }
    if (req.url === '/big') return res.end(Buffer.alloc(4096, 120))
    res.statusCode = 404
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ error: 'Repository not found' }))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
})
afterAll(async () => {
  await new Promise((r) => server.close(r))
})

describe('the hub client fetch', () => {
  const o = new Outbound({ allow: ['loopback'] })

  it('answers a GET with status, headers (any case, repeated ones joined), JSON and the URL that answered', async () => {
    const res = await o.fetch(`${base}/page`, { headers: { Accept: 'application/json', Authorization: 'Bearer hf_x' } })
    expect(res.ok).toBe(true)
    expect(res.status).toBe(200)
    expect(res.headers.get('Link')).toBe(`<${base}/next>; rel="next"`)
    expect(res.headers.get('X-Repeat')).toBe('a, b')
    expect(res.headers.get('x-missing')).toBeNull()
    expect(await res.json()).toEqual([{ path: 'a.gguf' }])
    const req = seen.at(-1)
    expect(req?.headers.authorization).toBe('Bearer hf_x')
    // the bulk client decodes no compressed body, so it asks for none
    expect(req?.headers['accept-encoding']).toBe('identity')
  })

  it('reads a chunked body, follows a redirect, and passes an error answer through', async () => {
    expect(await (await o.fetch(`${base}/chunked`)).json()).toEqual({ parts: [1, 2, 3] })
    const moved = await o.fetch(`${base}/moved`)
    expect(moved.url).toBe(`${base}/page`)
    expect(await moved.json()).toEqual([{ path: 'a.gguf' }])
    const missing = await o.fetch(`${base}/nothing`)
    expect(missing.ok).toBe(false)
    expect(missing.status).toBe(404)
    expect(await missing.text()).toContain('Repository not found')
  })

  it('fails as fetch does, a TypeError with the reason as its cause: an answer over the bound, a refused address', async () => {
    const small = new Outbound({ allow: ['loopback'], maxBytes: 1000 })
    await expect(small.fetch(`${base}/big`)).rejects.toMatchObject({ name: 'TypeError', cause: { message: expect.stringContaining('larger than 1000 bytes') } })
    await expect(new Outbound().fetch(`${base}/page`)).rejects.toMatchObject({ name: 'TypeError', cause: { code: 'outbound_blocked' } })
  })

  it('sends anything but a plain GET through the fallback', async () => {
    const calls: string[] = []
    const fallback = (async (input: unknown, init?: RequestInit) => {
      calls.push(input instanceof Request ? `${input.method} Request ${input.url}` : `${init?.method ?? 'GET'} ${String(input)}`)
      return new Response('{}')
    }) as typeof fetch
    const f = bulkFetch((url, init, onHead) => o.receive(url, init, onHead), fallback, 1 << 20)
    await f(`${base}/page`, { method: 'POST', body: '{}' })
    await f(new Request(`${base}/page`))
    expect(calls).toEqual([`POST ${base}/page`, `GET Request ${base}/page`])
    const before = seen.length
    await f(`${base}/page`)
    expect(calls).toHaveLength(2)
    expect(seen.length).toBe(before + 1)
  })
})
