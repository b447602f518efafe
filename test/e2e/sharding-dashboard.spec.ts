/**
 * Split models in a real headless Chromium: a node lending its memory shows it on the cluster page
 * (free, then leased), and a model split over that worker shows on the models page with its state,
 * coordinator and the worker's memory.
 */
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ShardView } from '../../agent/src/sharding/index.js'
import { meshAddress, nodesOf, startAgent, stopAllAgents, tinyModel, waitFor, type RunningAgent } from '../helpers/agent-process.js'
import { machineRpcCache, rpcBinaries, RPC_BINARIES_WAIT_MS } from '../helpers/rpc-binaries.js'
import { launchBrowser, newContext, requireChromium, requireDashboardBuild, screenshot, watchPage } from './browser.js'

const MODEL = 'ui-split'
let coord: RunningAgent
let lender: RunningAgent
let browser: Browser
let page: Page
const pageErrors: string[] = []

const lends = () => page.locator('[data-testid="node-card"][data-node="ui-lender"] [data-testid="node-lends"]')

// on a fresh machine the set-up's background build may still be running: wait for it first
beforeAll(() => rpcBinaries(), RPC_BINARIES_WAIT_MS)
beforeAll(async () => {
  requireChromium()
  requireDashboardBuild()
  const env = { LLMLB_RPC_CACHE: machineRpcCache() }
  const key = 'e5'.repeat(32)
  const sizes = ['--ctx-size', '256', '--slots', '1']
  coord = await startAgent({ name: 'ui-coord', auth: false, models: [await tinyModel(MODEL, { layers: 4, embd: 128, heads: 4, ctx: 512 })], env, args: sizes, clusterKey: key })
  lender = await startAgent({ name: 'ui-lender', auth: false, peers: [await meshAddress(coord)], clusterKey: key, env, args: [...sizes, '--rpc-worker', '--threads', '1'] })
  await waitFor(async () => (await nodesOf(coord)).some((n) => n.name === 'ui-lender' && (n as { rpcWorker?: { state: string } }).rpcWorker?.state === 'up'), 'the lender to advertise its worker up', 120_000)
  browser = await launchBrowser()
  page = watchPage(await (await newContext(browser)).newPage(), pageErrors)
}, 240_000)

afterAll(async () => {
  await browser?.close()
  await stopAllAgents()
})

describe('dashboard of a cluster that splits a model', () => {
  it('shows the node that lends memory, then the split model with its worker, state and memory', async () => {
    await page.goto(`${coord.url}/`)
    await lends().waitFor()
    expect(await lends().getAttribute('data-state')).toBe('up')
    expect(await lends().getAttribute('data-leased')).toBe('false')
    // the coordinator lends nothing
    expect(await page.locator('[data-testid="node-card"][data-node="ui-coord"] [data-testid="node-lends"]').count()).toBe(0)

    const mark = await fetch(`${coord.url}/api/models/${MODEL}/shard`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' })
    expect(mark.status).toBeLessThan(300)
    const view = await waitFor(async () => {
      const v = ((await (await fetch(`${coord.url}/api/shards`)).json()) as { data: ShardView[] }).data.find((x) => x.id === MODEL)
      return v?.state === 'serving' ? v : undefined
    }, `${MODEL} to serve split`, 180_000)
    expect(view.workers.map((w) => w.name)).toEqual(['ui-lender'])

    // the cluster page follows the lease live
    await page.locator('[data-testid="node-card"][data-node="ui-lender"] [data-testid="node-lends"][data-leased="true"]').waitFor({ timeout: 60_000 })
    await screenshot(page, 'cluster-lending')

    await page.goto(`${coord.url}/models`)
    const row = page.locator(`[data-testid="split-row"][data-model="${MODEL}"]`)
    await row.waitFor({ timeout: 60_000 })
    const text = (await row.textContent()) ?? ''
    expect(text).toContain('serving')
    expect(text).toContain('ui-coord')
    expect(text).toMatch(/ui-lender \(\d/)
    await screenshot(page, 'models-split')
    expect(pageErrors).toEqual([])
  }, 300_000)
})
