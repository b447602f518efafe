/**
 * CORS in a real browser: headless Chromium loads pages from two other origins (small HTTP servers on
 * other ports) that call a real node started with `--cors-origins` naming one of them. The allowed
 * page's preflighted requests succeed and can read the exposed routing headers; the other origin's
 * fail (preflight refused, and its simple requests are refused before anything runs); the dashboard's
 * session cookie, signed in on the node's own origin, is never usable from another origin.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startAgent, stopAllAgents, tinyModel, type RunningAgent } from '../helpers/agent-process.js'
import { CHROMIUM, CHROMIUM_ARGS, requireChromium } from './browser.js'

const PASSWORD = 'cors-admin-pass-1'

let node: RunningAgent
let key: string
let allowedServer: Server
let otherServer: Server
let allowedOrigin: string
let otherOrigin: string
let browser: Browser
let ctx: BrowserContext

/** Serves one empty page: the origin the browser's fetches come from. */
async function pageServer(): Promise<{ server: Server; origin: string }> {
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>other origin</title>'))
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

type Outcome = { ok: true; status: number; servedBy: string | null; body: string } | { ok: false; error: string }

/** Runs `fetch(url, init)` inside `page` and reports what the page could see. */
async function fetchIn(page: Page, url: string, init: { method?: string; headers?: Record<string, string>; body?: string; credentials?: 'include' | 'omit' }): Promise<Outcome> {
  return page.evaluate(
    async ({ url, init }) => {
      try {
        const r = await fetch(url, init)
        return { ok: true as const, status: r.status, servedBy: r.headers.get('x-llmlb-served-by'), body: await r.text() }
      } catch (err) {
        return { ok: false as const, error: String(err) }
      }
    },
    { url, init }
  )
}

beforeAll(async () => {
  requireChromium()
  ;({ server: allowedServer, origin: allowedOrigin } = await pageServer())
  ;({ server: otherServer, origin: otherOrigin } = await pageServer())
  node = await startAgent({ name: 'cors1', models: [await tinyModel('model-cors', { readable: true })], auth: true, adminPassword: PASSWORD, args: ['--cors-origins', allowedOrigin] })
  key = /API key:\s+(llmlb_initial_\S+)/.exec(node.output())?.[1] ?? ''
  expect(key).toMatch(/^llmlb_initial_/)
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 })
  ctx = await browser.newContext()
  // the dashboard session, on the node's own origin, in the same browser
  const login = await ctx.request.post(`${node.url}/api/auth/login`, { data: { username: 'admin', password: PASSWORD } })
  expect(login.status()).toBe(200)
  expect((await ctx.cookies(node.url)).map((c) => c.name)).toContain('llmlb_session')
})
afterAll(async () => {
  await browser?.close()
  await stopAllAgents()
  allowedServer?.close()
  otherServer?.close()
})

const messageBody = JSON.stringify({ model: 'model-cors', max_tokens: 3, messages: [{ role: 'user', content: 'hi' }] })

describe('CORS in Chromium', () => {
  it('a page on an allowed origin calls the API with a key (preflighted) and reads the routing headers', async () => {
    const page = await ctx.newPage()
    await page.goto(allowedOrigin)
    const r = await fetchIn(page, `${node.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' }, body: messageBody })
    expect(r.ok).toBe(true)
    if (!r.ok) return
    expect(r.status).toBe(200)
    expect(r.servedBy).toBe('cors1')
    expect(JSON.parse(r.body)).toMatchObject({ type: 'message', role: 'assistant' })
    const chat = await fetchIn(page, `${node.url}/api/chat`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'model-cors', stream: false, messages: [{ role: 'user', content: 'hi' }], options: { num_predict: 2 } }) })
    expect(chat.ok && chat.status).toBe(200)
    await page.close()
  })

  it('a page on another origin cannot call the API, preflighted or simple', async () => {
    const page = await ctx.newPage()
    await page.goto(otherOrigin)
    const pre = await fetchIn(page, `${node.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': key, 'content-type': 'application/json' }, body: messageBody })
    expect(pre.ok).toBe(false)
    // a "simple" request (no preflight): refused before anything runs, and unreadable
    const simple = await fetchIn(page, `${node.url}/api/version`, {})
    expect(simple.ok).toBe(false)
    await page.close()
    const direct = await fetch(`${node.url}/api/version`, { headers: { origin: otherOrigin, authorization: `Bearer ${key}` } })
    expect(direct.status).toBe(403)
    expect(direct.headers.get('access-control-allow-origin')).toBeNull()
  })

  it("the dashboard's session cookie is not usable from another origin, even an allowed one", async () => {
    const own = await ctx.newPage()
    await own.goto(`${node.url}/health`)
    const me = await fetchIn(own, `${node.url}/api/auth/me`, {})
    expect(me.ok && me.status).toBe(200)
    await own.close()
    const page = await ctx.newPage()
    await page.goto(allowedOrigin)
    // credentials are never allowed: the browser refuses to hand the answer over
    const withCookie = await fetchIn(page, `${node.url}/api/auth/me`, { credentials: 'include' })
    expect(withCookie.ok).toBe(false)
    // and the server ignores a cross-origin request's cookie: without a key it is anonymous
    const plain = await fetchIn(page, `${node.url}/api/auth/me`, {})
    expect(plain.ok && plain.status).toBe(401)
    await page.close()
    const cookie = (await ctx.cookies(node.url)).map((c) => `${c.name}=${c.value}`).join('; ')
    const forged = await fetch(`${node.url}/api/auth/me`, { headers: { origin: allowedOrigin, cookie } })
    expect(forged.status).toBe(401)
    expect(forged.headers.get('access-control-allow-credentials')).toBeNull()
  })
})
