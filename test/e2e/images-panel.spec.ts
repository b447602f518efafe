/**
 * The playground's image panel in a real headless Chromium: a node fronting an image engine (the mock
 * speaks OpenAI's Images API) shows the panel, generates two images that the browser loads from the
 * node's own URLs, and shows the error when the engine fails, after which it works again.
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startMockEngine, type MockEngine } from '../../scripts/mock-engines/index.js'
import { startAgent, stopAllAgents, waitFor, type RunningAgent } from '../helpers/agent-process.js'
import { launchBrowser, newContext, requireChromium, requireDashboardBuild, screenshot, watchPage } from './browser.js'

let engine: MockEngine
let node: RunningAgent
let browser: Browser
let page: Page
const pageErrors: string[] = []

const byTestId = (p: Page, id: string) => p.locator(`[data-testid="${id}"]`)

beforeAll(async () => {
  requireChromium()
  requireDashboardBuild()
  engine = await startMockEngine('openai', { models: [{ id: 'sd-turbo', type: 'image' }, { id: 'chat-mock' }] })
  ;[node, browser] = await Promise.all([startAgent({ name: 'img-ui', auth: false, args: ['--engine', engine.url] }), launchBrowser()])
  await waitFor(async () => {
    const list = (await (await fetch(`${node.url}/v1/models`)).json()) as { data: { id: string }[] }
    return list.data.some((m) => m.id === 'sd-turbo')
  }, 'the engine image model to be served', 60_000)
  page = watchPage(await (await newContext(browser)).newPage(), pageErrors)
})

afterAll(async () => {
  await browser?.close()
  await stopAllAgents()
  await engine?.stop()
})

describe('playground image panel', () => {
  it('generates images the browser loads from the node, and shows an engine failure clearly', async () => {
    await page.goto(`${node.url}/playground`)
    await byTestId(page, 'image-panel').waitFor()
    // only image models are offered
    expect(await byTestId(page, 'image-model').locator('option').allTextContents()).toEqual(['sd-turbo'])
    await byTestId(page, 'image-prompt').fill('a lighthouse at dusk')
    await byTestId(page, 'image-size').selectOption('256x256')
    await byTestId(page, 'image-count').fill('2')
    await byTestId(page, 'image-generate').click()
    await page.locator('[data-testid="image-results"] img').nth(1).waitFor()
    const imgs = page.locator('[data-testid="image-results"] img')
    expect(await imgs.count()).toBe(2)
    // each is a URL of this node that the browser fetched and decoded
    for (const i of [0, 1]) {
      const img = imgs.nth(i)
      await waitFor(async () => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth > 0), `image ${i} to load`, 30_000)
      const src = (await img.getAttribute('src')) as string
      expect(new URL(src, node.url).pathname).toMatch(/^\/v1\/images\/files\/[\w-]+/)
      expect(await img.getAttribute('alt')).toContain('served by img-ui')
    }
    await screenshot(page, 'playground-images')

    engine.failInference = true
    try {
      await byTestId(page, 'image-generate').click()
      await byTestId(page, 'image-error').waitFor()
      expect(((await byTestId(page, 'image-error').textContent()) ?? '').length).toBeGreaterThan(0)
    } finally {
      engine.failInference = false
    }
    // the engine is back: the panel works again and the error is gone
    await waitFor(async () => {
      await byTestId(page, 'image-generate').click()
      await page.locator('[data-testid="image-generate"]:not([disabled])').waitFor()
      return (await byTestId(page, 'image-error').count()) === 0
    }, 'the panel to work again', 60_000)
    await page.locator('[data-testid="image-results"] img').first().waitFor()
    expect(pageErrors).toEqual([])
  })
})
