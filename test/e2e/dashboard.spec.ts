/**
 * The dashboard in a real headless Chromium against three real agents with authentication on:
 * first sign-in (with the forced password change), the live cluster page when a node is killed,
 * a node with another cluster key shown as not joined,
 * the playground, an API key made in the UI used by the official OpenAI client, the request
 * history, and what a viewer may not see. Every page is saved as a screenshot, light and dark.
 *
 * The tests run in order and share the cluster and the admin's browser context.
 */
import OpenAI from 'openai'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { localAdminHeaders, meshAddress, startAgent, stopAllAgents, tinyModel, waitFor, type RunningAgent } from '../helpers/agent-process.js'
import { launchBrowser, newContext, requireChromium, requireDashboardBuild, screenshot, watchPage } from './browser.js'

const CLUSTER_KEY = 'e2'.repeat(32)
const ADMIN_PASSWORD = 'e2e-admin-chosen-1'
const VIEWER_PASSWORD = 'e2e-viewer-chosen-1'
/** The id the OpenAI client's request is sent with, to find it in the history. */
const OPENAI_REQUEST_ID = `e2e-openai-${Date.now().toString(36)}`
const PROMPT = 'e2e history probe'

let n1: RunningAgent
let n2: RunningAgent
let n3: RunningAgent
let generatedPassword: string
let browser: Browser
let admin: BrowserContext
let page: Page
let apiKey = ''
const pageErrors: string[] = []

const byTestId = (p: Page, id: string) => p.locator(`[data-testid="${id}"]`)
const card = (p: Page, node: string) => p.locator(`[data-testid="node-card"][data-node="${node}"]`)

/** Signs in on the Login page (the page must be showing it). */
async function signIn(p: Page, username: string, password: string): Promise<void> {
  await byTestId(p, 'login-username').fill(username)
  await byTestId(p, 'login-password').fill(password)
  await byTestId(p, 'login-submit').click()
}

/** Completes the forced password change that replaces every page after a first sign-in. */
async function choosePassword(p: Page, current: string, next: string): Promise<void> {
  await byTestId(p, 'password-current').fill(current)
  await byTestId(p, 'password-new').fill(next)
  await byTestId(p, 'password-again').fill(next)
  await byTestId(p, 'password-save').click()
}

beforeAll(async () => {
  // before any agent starts: a missing browser or build fails the suite at once, saying why
  requireChromium()
  requireDashboardBuild()
  const [modelA, modelB, launched] = await Promise.all([tinyModel('model-a'), tinyModel('model-b', { seed: 2 }), launchBrowser()])
  browser = launched
  // no LLMLB_ADMIN_PASSWORD: the first admin gets a generated password, printed once, to be changed
  n1 = await startAgent({ name: 'e2e-1', models: [modelA], clusterKey: CLUSTER_KEY, auth: true })
  const seed = await meshAddress(n1)
  ;[n2, n3] = await Promise.all([
    // info: its node page shows log lines, read through the mesh from e2e-1
    startAgent({ name: 'e2e-2', models: [modelB], clusterKey: CLUSTER_KEY, peers: [seed], auth: true, args: ['--log-level', 'info'] }),
    startAgent({ name: 'e2e-3', clusterKey: CLUSTER_KEY, peers: [seed], auth: true })
  ])
  generatedPassword = await waitFor(() => /admin:\s+user "admin", password (\S+)/.exec(n1.output())?.[1], 'the generated admin password in the start banner', 60_000)
  admin = await newContext(browser)
  page = watchPage(await admin.newPage(), pageErrors)
})

afterEach(() => {
  expect(pageErrors.splice(0), 'uncaught errors in the dashboard').toEqual([])
})

afterAll(async () => {
  await browser?.close()
  await stopAllAgents()
})

describe('dashboard in Chromium against a real cluster', () => {
  it('signs the first admin in and asks for a new password before anything else', async () => {
    await page.goto(`${n1.url}/`)
    await page.waitForURL(/\/login\?next=%2F$/)
    await byTestId(page, 'login-form').waitFor()
    await screenshot(page, 'login')

    await signIn(page, 'admin', 'not-the-password')
    await byTestId(page, 'login-error').waitFor()
    expect(await byTestId(page, 'login-error').textContent()).toContain('Wrong username or password')

    await signIn(page, 'admin', generatedPassword)
    await byTestId(page, 'change-password').waitFor()
    expect(await byTestId(page, 'sidebar').count()).toBe(0)
    await screenshot(page, 'change-password')

    await choosePassword(page, generatedPassword, ADMIN_PASSWORD)
    await byTestId(page, 'cluster-page').waitFor()
    expect(await byTestId(page, 'header-user').textContent()).toContain('admin')
    expect(new URL(page.url()).pathname).toBe('/')
  })

  it('shows every node live, and a killed node turns dead (or leaves) within seconds', async () => {
    for (const n of ['e2e-1', 'e2e-2', 'e2e-3']) await card(page, n).locator('[data-testid="node-status"][data-status="alive"]').waitFor()
    expect(await byTestId(page, 'node-card').count()).toBe(3)
    await page.locator('[data-testid="connection"]', { hasText: 'live' }).waitFor()
    expect(await card(page, 'e2e-2').locator('[data-testid="node-model"]').first().getAttribute('data-loaded')).toBe('true')
    await screenshot(page, 'cluster')

    // suspect at once (its connections closed), dead a moment later, then forgotten (5 s in the test profile)
    const gone = (states: string[]) =>
      page.waitForFunction(
        ([name, wanted]) => {
          const c = document.querySelector(`[data-testid="node-card"][data-node="${name}"]`)
          const status = c?.querySelector('[data-testid="node-status"]')?.getAttribute('data-status')
          return !c || (status !== null && status !== undefined && wanted.includes(status))
        },
        ['e2e-3', states] as const,
        { timeout: 60_000 }
      )
    const killedAt = Date.now()
    await n3.kill()
    await gone(['suspect', 'dead', 'left'])
    expect(Date.now() - killedAt).toBeLessThan(15_000)
    await gone(['dead', 'left'])
    expect(await card(page, 'e2e-1').locator('[data-testid="node-status"]').getAttribute('data-status')).toBe('alive')
    await screenshot(page, 'cluster-node-dead')
  })

  it('shows a node with another cluster key as not joined, with how to let it in', async () => {
    const stranger = await startAgent({ name: 'e2e-stranger', clusterKey: 'f5'.repeat(32), peers: [await meshAddress(n1)] })
    try {
      const rejected = byTestId(page, 'rejected-peer').first()
      await rejected.waitFor({ timeout: 60_000 })
      expect(await rejected.textContent()).toContain('different cluster key')
      expect(await rejected.textContent()).toContain('cluster.key')
      expect(await card(page, 'e2e-stranger').count()).toBe(0)
      await screenshot(page, 'cluster-not-joined')
    } finally {
      await stranger.kill()
    }
  })

  it('streams a playground answer and says which node served it', async () => {
    await byTestId(page, 'nav-playground').click()
    await byTestId(page, 'playground-page').waitFor()
    await byTestId(page, 'playground-model').locator('option[value="model-b"]').waitFor({ state: 'attached' })
    await byTestId(page, 'playground-model').selectOption('model-b')
    await byTestId(page, 'playground-max-tokens').fill('12')
    // greedy: the random-weight model's answer is then the same every run (sampled, it was now and then
    // only whitespace)
    await byTestId(page, 'playground-temperature').fill('0')
    await byTestId(page, 'playground-prompt').fill('Say hello')
    const answered = page.waitForResponse((r) => r.url().endsWith('/v1/chat/completions'))
    await byTestId(page, 'playground-send').click()
    const res = await answered
    // the session cookie (with its CSRF token) is accepted on /v1: the playground needs no API key
    expect(res.status()).toBe(200)
    expect(res.headers()['content-type']).toContain('text/event-stream')
    expect(res.headers()['x-llmlb-served-by']).toBe('e2e-2')

    await page.locator('[data-testid="served-by"]', { hasText: 'e2e-2' }).waitFor()
    expect(await byTestId(page, 'route-reason').textContent()).toContain('forwarded')
    // the answer is complete when the streaming cursor is gone and the usage is shown
    await page.locator('[data-testid="playground-answer"] .answer-meta', { hasText: ' out' }).waitFor()
    expect((await byTestId(page, 'playground-output').textContent())?.trim().length).toBeGreaterThan(0)
    expect(await byTestId(page, 'playground-error').count()).toBe(0)
    await screenshot(page, 'playground')
  })

  it('creates an API key in the UI, shown once, that works with the official OpenAI client', async () => {
    await byTestId(page, 'nav-admin').click()
    await byTestId(page, 'admin-page').waitFor()
    // the scopes come from the agent; the default preset is what an OpenAI client needs
    await byTestId(page, 'key-scope-history:read').waitFor()
    expect(await byTestId(page, 'key-preset-inference').getAttribute('aria-pressed')).toBe('true')
    expect(await byTestId(page, 'key-scope-inference').isChecked()).toBe(true)
    expect(await byTestId(page, 'key-scope-models:read').isChecked()).toBe(true)
    expect(await byTestId(page, 'key-scope-keys:manage').isChecked()).toBe(false)

    await byTestId(page, 'key-name').fill('e2e-openai')
    await byTestId(page, 'key-create').click()
    await byTestId(page, 'key-created').waitFor()
    apiKey = await byTestId(page, 'key-secret').inputValue()
    expect(apiKey).toMatch(/^llmlb_[a-z0-9]+_[A-Za-z0-9_-]{43}$/)
    await screenshot(page, 'admin-key-created')
    await byTestId(page, 'key-dismiss').click()
    await byTestId(page, 'key-created').waitFor({ state: 'detached' })
    await page.locator('[data-testid="key-row"]', { hasText: 'e2e-openai' }).waitFor()
    expect(await page.locator('body').textContent()).not.toContain(apiKey)

    // against another node than the one the key was made on: the key replicates through the mesh
    const client = new OpenAI({ apiKey, baseURL: `${n2.url}/v1`, maxRetries: 0 })
    const ids = await waitFor(async () => (await client.models.list()).data.map((m) => m.id).sort(), 'the new key to work on e2e-2', 60_000, 100)
    expect(ids).toEqual(['model-a', 'model-b'])
    const { data: completion, response } = await client.chat.completions
      .create({ model: 'model-a', messages: [{ role: 'user', content: PROMPT }], max_tokens: 8 }, { headers: { 'x-request-id': OPENAI_REQUEST_ID } })
      .withResponse()
    expect(completion.choices[0]?.message.content?.length).toBeGreaterThan(0)
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0)
    expect(response.headers.get('x-llmlb-served-by')).toBe('e2e-1')

    const bad = new OpenAI({ apiKey: `${apiKey.slice(0, -4)}AAAA`, baseURL: `${n2.url}/v1`, maxRetries: 0 })
    await expect(bad.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError)
  })

  it('shows that request in the cluster-wide history, with its bodies', async () => {
    // recorded by its ingress node (e2e-2) when it completed; this page asks every node
    await waitFor(async () => {
      const r = await fetch(`${n2.url}/api/history?q=${OPENAI_REQUEST_ID}`, { headers: await localAdminHeaders(n2) })
      return r.ok && ((await r.json()) as { total: number }).total > 0
    }, 'the request in e2e-2 history', 5_000)

    await byTestId(page, 'nav-requests').click()
    await byTestId(page, 'requests-page').waitFor()
    const row = page.locator(`[data-testid="history-row"][data-id="${OPENAI_REQUEST_ID}"]`)
    await row.waitFor()
    const text = (await row.textContent()) ?? ''
    expect(text).toContain('model-a')
    expect(text).toContain('e2e-2') // ingress
    expect(text).toContain('e2e-1') // served by
    expect(text).toContain('forwarded')
    // the playground's request, received by e2e-1, is in the same list
    await page.locator('[data-testid="history-row"]', { hasText: 'model-b' }).first().waitFor()
    // e2e-3 was killed: while the others still list it as dead, the page says whose requests are missing
    expect(await byTestId(page, 'nodes-answered').textContent()).toMatch(/^2 of (3 nodes answered: no answer from e2e-3|2 nodes answered)/)
    await screenshot(page, 'requests')

    await row.click()
    await byTestId(page, 'request-drawer').waitFor()
    await byTestId(page, 'detail-request').waitFor()
    expect(await byTestId(page, 'detail-request').textContent()).toContain(PROMPT)
    expect(await byTestId(page, 'request-detail').textContent()).toContain(OPENAI_REQUEST_ID)
    await byTestId(page, 'detail-response').waitFor()
    await screenshot(page, 'request-detail')
    await page.keyboard.press('Escape')
    await byTestId(page, 'request-drawer').waitFor({ state: 'hidden' })
  })

  it('renders the other pages (screenshots)', async () => {
    await byTestId(page, 'nav-models').click()
    await page.locator('[data-testid="model-row"][data-model="model-a"]').waitFor()
    await page.locator('[data-testid="model-row"][data-model="model-b"]').waitFor()
    await screenshot(page, 'models')

    await byTestId(page, 'nav-stats').click()
    await byTestId(page, 'chart-bar').first().waitFor()
    expect(await byTestId(page, 'stats-table').textContent()).toContain('model-a')
    await screenshot(page, 'stats')

    await byTestId(page, 'nav-cluster').click()
    await card(page, 'e2e-2').locator('[data-testid="node-name"]').click()
    await byTestId(page, 'node-page').waitFor()
    await page.locator('[data-testid="node-page"] h1', { hasText: 'e2e-2' }).waitFor()
    await page.locator('[data-testid="node-page"] [data-testid="history-row"]').first().waitFor()
    await byTestId(page, 'log-lines').locator('li').first().waitFor()
    await screenshot(page, 'node')
  })

  it('keeps a viewer out of the admin pages: hidden navigation, guarded URL, API 403', async () => {
    await byTestId(page, 'nav-admin').click()
    await byTestId(page, 'user-form').waitFor()
    await byTestId(page, 'user-name').fill('e2e-viewer')
    // no password: the agent generates a temporary one, shown once
    await byTestId(page, 'user-create').click()
    await byTestId(page, 'user-created').waitFor()
    const temporary = await byTestId(page, 'user-secret').inputValue()
    expect(temporary.length).toBeGreaterThanOrEqual(8)
    await page.locator('[data-testid="user-row"][data-username="e2e-viewer"]', { hasText: 'temporary password' }).waitFor()
    await screenshot(page, 'admin')
    await byTestId(page, 'user-dismiss').click()

    const ctx = await newContext(browser)
    try {
      const viewer = watchPage(await ctx.newPage(), pageErrors)
      const adminCalls: string[] = []
      viewer.on('request', (r) => {
        const path = new URL(r.url()).pathname
        if (path.startsWith('/api/keys') || path.startsWith('/api/users')) adminCalls.push(path)
      })
      await viewer.goto(`${n1.url}/admin`)
      await viewer.waitForURL(/\/login\?next=%2Fadmin$/)
      await signIn(viewer, 'e2e-viewer', temporary)
      await byTestId(viewer, 'change-password').waitFor()
      await choosePassword(viewer, temporary, VIEWER_PASSWORD)

      // back where it was going: the guard answers instead of the admin page
      await byTestId(viewer, 'forbidden').waitFor()
      expect(new URL(viewer.url()).pathname).toBe('/admin')
      expect(await byTestId(viewer, 'admin-page').count()).toBe(0)
      expect(await byTestId(viewer, 'nav-admin').count()).toBe(0)
      expect(await byTestId(viewer, 'nav-requests').count()).toBe(1)
      expect(await byTestId(viewer, 'header-user').textContent()).toContain('viewer')
      await screenshot(viewer, 'viewer-forbidden')

      const statuses = await viewer.evaluate(async () => Promise.all(['/api/keys', '/api/users'].map(async (p) => (await fetch(p)).status)))
      expect(statuses).toEqual([403, 403])
      adminCalls.splice(0) // the two calls just made by hand
      await byTestId(viewer, 'nav-cluster').click()
      await card(viewer, 'e2e-1').waitFor()
      await screenshot(viewer, 'viewer-cluster')
      expect(adminCalls).toEqual([])
    } finally {
      await ctx.close()
    }
  })

  it('reads well in the dark theme too (screenshots)', async () => {
    const dark = await newContext(browser, { colorScheme: 'dark', storageState: await admin.storageState() })
    try {
      const p = watchPage(await dark.newPage(), pageErrors)
      await p.goto(`${n1.url}/`)
      await card(p, 'e2e-1').waitFor()
      expect(await p.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches)).toBe(true)
      await screenshot(p, 'dark-cluster')
      await byTestId(p, 'nav-requests').click()
      await byTestId(p, 'history-row').first().waitFor()
      await screenshot(p, 'dark-requests')
      await byTestId(p, 'nav-stats').click()
      await byTestId(p, 'chart-bar').first().waitFor()
      await screenshot(p, 'dark-stats')
      await byTestId(p, 'nav-admin').click()
      await byTestId(p, 'key-row').first().waitFor()
      await screenshot(p, 'dark-admin')
      await byTestId(p, 'nav-playground').click()
      await byTestId(p, 'playground-max-tokens').fill('24')
      await byTestId(p, 'playground-prompt').fill('Hello in the dark')
      await byTestId(p, 'playground-send').click()
      await p.locator('[data-testid="playground-answer"] .answer-meta', { hasText: ' out' }).waitFor()
      await screenshot(p, 'dark-playground')
    } finally {
      await dark.close()
    }
  })
})
