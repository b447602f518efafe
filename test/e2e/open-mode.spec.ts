/**
 * A lone node with `--auth off` in a real headless Chromium: /api/auth/me answers 404, so the
 * dashboard is "open" (no sign-in, every page, no role checks), and a node with no model and no peer
 * shows the getting-started hints.
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startAgent, stopAllAgents, type RunningAgent } from '../helpers/agent-process.js'
import { launchBrowser, newContext, requireChromium, requireDashboardBuild, screenshot, watchPage } from './browser.js'

let node: RunningAgent
let browser: Browser
let page: Page
const pageErrors: string[] = []

const byTestId = (p: Page, id: string) => p.locator(`[data-testid="${id}"]`)

beforeAll(async () => {
  // before any agent starts: a missing browser or build fails the suite at once, saying why
  requireChromium()
  requireDashboardBuild()
  ;[node, browser] = await Promise.all([startAgent({ name: 'open-1', auth: false }), launchBrowser()])
  page = watchPage(await (await newContext(browser)).newPage(), pageErrors)
})

afterAll(async () => {
  await browser?.close()
  await stopAllAgents()
})

describe('dashboard of a node with authentication off', () => {
  it('opens without a sign-in and shows every page, with the getting-started hints', async () => {
    expect((await fetch(`${node.url}/api/auth/me`)).status).toBe(404)
    await page.goto(`${node.url}/`)
    await byTestId(page, 'cluster-page').waitFor()
    await page.locator('[data-testid="node-card"][data-node="open-1"]').waitFor()
    await byTestId(page, 'getting-started').waitFor()
    expect(await byTestId(page, 'add-node-command').textContent()).toMatch(/^llmlb serve --cluster-key <key> --peer \S+:\d+$/)
    expect(new URL(page.url()).pathname).toBe('/')
    expect(await byTestId(page, 'header-user').count()).toBe(0)
    expect(await byTestId(page, 'logout').count()).toBe(0)
    expect(await byTestId(page, 'nav-admin').count()).toBe(1)
    await screenshot(page, 'open-cluster')

    // /login has nothing to do here: straight on
    await page.goto(`${node.url}/login?next=%2Fmodels`)
    await byTestId(page, 'models-page').waitFor()
    expect(new URL(page.url()).pathname).toBe('/models')

    // keys and users can be prepared, and the page says that nothing checks them yet
    await byTestId(page, 'nav-admin').click()
    await byTestId(page, 'auth-off-note').waitFor()
    await byTestId(page, 'key-scope-users:manage').waitFor()
    await byTestId(page, 'users-table').waitFor()
    await screenshot(page, 'open-admin')
    expect(pageErrors).toEqual([])
  })
})
