/**
 * The outbound policy (specs/security.md, outbound requests): every blocked range refused at connect
 * time, for IP literals and for names alike; redirects into a blocked range refused hop by hop; a name
 * that rebinds to a blocked address refused on the connection that would reach it; answers bounded.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { LookupFunction } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AddressPolicy, classify, Outbound } from '../../../../agent/src/net/index.js'
import { startMisbehaving } from '../../../../scripts/mock-engines/index.js'

let server: Server
let port = 0
let connections = 0

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url?.startsWith('/redirect-to?')) {
      res.writeHead(302, { location: decodeURIComponent(req.url.slice('/redirect-to?'.length)) })
      return res.end()
    }
    // a new connection per request, so a rebinding name is resolved again for the next one
    res.writeHead(200, { 'content-type': 'application/json', connection: 'close' })
    res.end('{"ok":true}')
  })
  server.on('connection', () => connections++)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  port = (server.address() as AddressInfo).port
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((r) => server.close(r))
})

describe('address classes', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.9.9.9', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['fd12:3456::1', 'private'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['169.254.169.254', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['0.0.0.0', 'reserved'],
    ['::', 'reserved'],
    ['224.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['8.8.8.8', 'public'],
    ['172.32.0.1', 'public'],
    ['2606:4700::1111', 'public']
  ])('%s is %s', (ip, cls) => {
    expect(classify(ip)).toBe(cls)
  })

  it('allows a class or a CIDR when listed, never a metadata address', () => {
    const p = new AddressPolicy(['loopback', '192.168.1.0/24', 'link-local'])
    expect(p.refusal('127.0.0.1')).toBeUndefined()
    expect(p.refusal('192.168.1.7')).toBeUndefined()
    expect(p.refusal('192.168.2.7')).toMatch(/private/)
    expect(p.refusal('169.254.3.4')).toBeUndefined()
    expect(p.refusal('169.254.169.254')).toMatch(/metadata/)
    expect(p.refusal('8.8.8.8')).toBeUndefined()
    expect(() => new AddressPolicy(['intranet'])).toThrow(/address class/)
  })
})

describe('outbound requests', () => {
  const blocked = new Outbound({ timeoutMs: 5_000 })

  it.each([
    ['loopback', (p: number) => `http://127.0.0.1:${p}/`],
    ['loopback by name', (p: number) => `http://localhost:${p}/`],
    ['IPv6 loopback', (p: number) => `http://[::1]:${p}/`],
    ['IPv4-mapped IPv6 loopback', (p: number) => `http://[::ffff:127.0.0.1]:${p}/`],
    ['private', () => 'http://10.0.0.1:80/'],
    ['private 192.168', () => 'http://192.168.0.1:80/'],
    ['link-local', () => 'http://169.254.10.10/'],
    ['cloud metadata', () => 'http://169.254.169.254/latest/meta-data/'],
    ['AWS IPv6 metadata', () => 'http://[fd00:ec2::254]/latest/meta-data/'],
    ['unspecified', (p: number) => `http://0.0.0.0:${p}/`]
  ])('refuses %s before any byte is sent', async (_name, url) => {
    const before = connections
    await expect(blocked.json(url(port))).rejects.toMatchObject({ code: 'outbound_blocked' })
    expect(connections).toBe(before)
  })

  it('refuses other schemes and credentials in the URL', async () => {
    await expect(blocked.json('file:///etc/passwd')).rejects.toMatchObject({ code: 'outbound_blocked' })
    await expect(blocked.json(`http://user:pw@127.0.0.1:${port}/`)).rejects.toMatchObject({ code: 'outbound_blocked' })
  })

  it('reaches an allowed address, and refuses a redirect from it into a blocked range', async () => {
    const o = new Outbound({ allow: ['127.0.0.1/32'] })
    expect((await o.json(`http://127.0.0.1:${port}/`)).body).toEqual({ ok: true })
    for (const target of [`http://127.0.0.2:${port}/`, 'http://169.254.169.254/latest/meta-data/']) {
      await expect(o.json(`http://127.0.0.1:${port}/redirect-to?${encodeURIComponent(target)}`)).rejects.toMatchObject({ code: 'outbound_blocked' })
    }
    await o.close()
  })

  it('checks the address of every connection: a name that rebinds to a blocked address is refused', async () => {
    let calls = 0
    // the first answer is an allowed address, every later one a blocked one (what a rebinding DNS server does)
    const lookup = ((_host: string, _opts: unknown, cb: (err: null, a: { address: string; family: number }[]) => void) => {
      calls++
      cb(null, [{ address: calls === 1 ? '127.0.0.1' : '127.0.0.2', family: 4 }])
    }) as unknown as LookupFunction
    const o = new Outbound({ allow: ['127.0.0.1/32'], lookup })
    expect((await o.json(`http://rebind.test:${port}/`)).body).toEqual({ ok: true })
    await expect(o.json(`http://rebind.test:${port}/`)).rejects.toMatchObject({ code: 'outbound_blocked' })
    expect(calls).toBe(2)
    await o.close()
  })

  it('refuses a name with any blocked address among its answers', async () => {
    const lookup = ((_h: string, _o: unknown, cb: (err: null, a: { address: string; family: number }[]) => void) => cb(null, [{ address: '127.0.0.1', family: 4 }, { address: '10.0.0.5', family: 4 }])) as unknown as LookupFunction
    const o = new Outbound({ allow: ['127.0.0.1/32'], lookup })
    await expect(o.json(`http://mixed.test:${port}/`)).rejects.toMatchObject({ code: 'outbound_blocked' })
    await o.close()
  })

  it('bounds redirects, answer size and answer time', async () => {
    const o = new Outbound({ allow: ['loopback'], maxBytes: 64 * 1024, timeoutMs: 2_000 })
    const loop = await startMisbehaving('redirect-loop')
    const endless = await startMisbehaving('endless-body')
    const notJson = await startMisbehaving('not-json')
    try {
      await expect(o.json(loop.url + '/')).rejects.toMatchObject({ code: 'outbound_failed', message: expect.stringMatching(/redirects/) })
      await expect(o.json(endless.url + '/')).rejects.toMatchObject({ code: 'outbound_failed', message: expect.stringMatching(/larger than/) })
      await expect(o.json(endless.url + '/', {}, { maxBytes: 1 << 30, timeoutMs: 300 })).rejects.toMatchObject({ code: 'outbound_failed', message: expect.stringMatching(/within 300 ms/) })
      await expect(o.json(notJson.url + '/')).rejects.toMatchObject({ code: 'outbound_failed', message: expect.stringMatching(/not JSON/) })
    } finally {
      await Promise.all([loop.close(), endless.close(), notJson.close(), o.close()])
    }
  })
})

describe('process defaults', () => {
  it('guard a plain guardedAgent() with the node’s outbound.allow, and name the class of a configured local endpoint', async () => {
    const { configuredClassOf, guardedAgent, setOutboundDefaults } = await import('../../../../agent/src/net/index.js')
    const { request } = await import('undici')
    expect(configuredClassOf('http://127.0.0.1:9000')).toBe('loopback')
    expect(configuredClassOf('http://localhost:9000')).toBe('loopback')
    expect(configuredClassOf('http://192.168.1.4')).toBe('private')
    expect(configuredClassOf('https://huggingface.co')).toBeUndefined()
    const strict = guardedAgent()
    await expect(request(`http://127.0.0.1:${port}/`, { dispatcher: strict })).rejects.toMatchObject({ code: 'outbound_blocked' })
    setOutboundDefaults({ allow: ['loopback'] })
    const open = guardedAgent()
    const res = await request(`http://127.0.0.1:${port}/`, { dispatcher: open })
    expect(await res.body.json()).toEqual({ ok: true })
    setOutboundDefaults({ allow: [] })
    await Promise.all([strict.close(), open.close()])
  })

  it('name the address a configured local base URL may reach: the address itself, never a metadata one', async () => {
    const { configuredAllowOf } = await import('../../../../agent/src/net/index.js')
    expect(configuredAllowOf('http://127.0.0.1:9000/v1')).toBe('127.0.0.1/32')
    expect(configuredAllowOf('http://[::1]:9000/v1')).toBe('::1/128')
    expect(configuredAllowOf('http://192.168.1.4/v1')).toBe('192.168.1.4/32')
    expect(configuredAllowOf('http://localhost:9000/v1')).toBe('loopback')
    expect(configuredAllowOf('http://169.254.169.254/v1')).toBeUndefined()
    expect(configuredAllowOf('https://api.openai.com/v1')).toBeUndefined()
  })
})

describe('fetch for libraries (the Hugging Face hub client)', () => {
  it('obeys the same policy: a blocked literal, and a redirect from an allowed address into a blocked one', async () => {
    const strict = new Outbound()
    await expect(strict.fetch(`http://127.0.0.1:${port}/`)).rejects.toMatchObject({ cause: { code: 'outbound_blocked' } })
    const o = new Outbound({ allow: ['127.0.0.1/32'] })
    expect(await (await o.fetch(`http://127.0.0.1:${port}/`)).json()).toEqual({ ok: true })
    await expect(o.fetch(`http://127.0.0.1:${port}/redirect-to?${encodeURIComponent('http://169.254.169.254/latest/meta-data/')}`)).rejects.toMatchObject({ cause: { code: 'outbound_blocked' } })
    await Promise.all([strict.close(), o.close()])
  })
})
