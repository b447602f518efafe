/**
 * The dashboard's models page in a real headless Chromium against two real agents and the mock
 * Hugging Face hub: pull onto every node with a quantization from the form, watch per-node progress,
 * see each stored model's metadata, unload and remove one.
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildTinyGguf } from '../../native-runtime/src/index.js'
import { meshAddress, startAgent, stopAllAgents, waitFor, type RunningAgent } from '../helpers/agent-process.js'
import { startMockHub, type MockHub } from '../../scripts/mock-hf-hub.js'
import { launchBrowser, newContext, requireChromium, requireDashboardBuild, screenshot, watchPage } from './browser.js'

const KEY = 'd4'.repeat(32)
let hub: MockHub
let n1: RunningAgent
let n2: RunningAgent
let browser: Browser
let page: Page
const pageErrors: string[] = []

const byTestId = (p: Page, id: string) => p.locator(`[data-testid="${id}"]`)
const row = (node: string, model: string) => page.locator(`[data-testid="stored-row"][data-node="${node}"][data-model="${model}"]`)

beforeAll(async () => {
  requireChromium()
  requireDashboardBuild()
  hub = await startMockHub([
    {
      repo: 'ui-org/Ui-GGUF',
      files: {
        'Ui-Q4_K_M.gguf': Buffer.from(buildTinyGguf({ name: 'ui-q4', seed: 31, layers: 4, embd: 128, ff: 256 })),
        'Ui-Q8_0.gguf': Buffer.from(buildTinyGguf({ name: 'ui-q8', seed: 32, layers: 4, embd: 128, ff: 256 }))
      }
    }
  ])
  // slow enough that the progress bars are seen, fast enough for a test
  hub.setThrottle(600_000)
  const env = { HF_ENDPOINT: hub.endpoint }
  n1 = await startAgent({ name: 'ui-1', clusterKey: KEY, env })
  n2 = await startAgent({ name: 'ui-2', clusterKey: KEY, peers: [await meshAddress(n1)], env })
  await waitFor(async () => ((await (await fetch(`${n1.url}/api/nodes`)).json()) as { data: unknown[] }).data.length === 2, 'two nodes', 20_000)
  browser = await launchBrowser()
  page = watchPage(await (await newContext(browser)).newPage(), pageErrors)
})

afterAll(async () => {
  await browser?.close()
  await stopAllAgents()
  await hub?.close()
})

describe('models page', () => {
  it('pulls onto every node with a chosen quantization, with per-node progress, then shows the metadata', async () => {
    await page.goto(`${n1.url}/models`)
    await byTestId(page, 'pull-form').waitFor()
    await byTestId(page, 'pull-source').fill('ui-org/Ui-GGUF')
    await byTestId(page, 'pull-quant').selectOption('Q8_0')
    await page.locator('[data-testid="pull-target"] option[value="all"]').waitFor({ state: 'attached' })
    await byTestId(page, 'pull-target').selectOption('all')
    await byTestId(page, 'pull-submit').click()
    // one progress row per node while they download
    for (const node of ['ui-1', 'ui-2']) await page.locator(`[data-testid="pull-row"][data-node="${node}"][data-model="Ui-Q8_0"]`).waitFor({ timeout: 30_000 })
    await screenshot(page, 'models-pulling')
    hub.setThrottle(0)
    for (const node of ['ui-1', 'ui-2']) await page.locator(`[data-testid="stored-row"][data-node="${node}"][data-model="Ui-Q8_0"][data-state="loaded"]`).waitFor({ timeout: 60_000 })
    const text = await row('ui-2', 'Ui-Q8_0').textContent()
    expect(text).toContain('llama')
    expect(text).toContain('ui-org/Ui-GGUF')
    expect(text).toContain(hub.sha256Of('ui-org/Ui-GGUF', 'Ui-Q8_0.gguf').slice(0, 12))
    await screenshot(page, 'models-stored')
  })

  it('unloads and removes a model on one node', async () => {
    await row('ui-2', 'Ui-Q8_0').locator('[data-testid="model-unload"]').click()
    await page.locator('[data-testid="stored-row"][data-node="ui-2"][data-model="Ui-Q8_0"][data-state="stored"]').waitFor({ timeout: 20_000 })
    await row('ui-2', 'Ui-Q8_0').locator('[data-testid="model-remove"]').click()
    await row('ui-2', 'Ui-Q8_0').waitFor({ state: 'detached', timeout: 20_000 })
    expect(await row('ui-1', 'Ui-Q8_0').count()).toBe(1)
    expect(((await (await fetch(`${n2.url}/api/models`)).json()) as { data: unknown[] }).data).toEqual([])
    expect(await byTestId(page, 'models-action-error').count()).toBe(0)
    expect(pageErrors).toEqual([])
  })
})
