/**
 * The e2e suites' browser: Debian's Chromium driven by playwright-core (no downloaded browser). One
 * browser per spec file; pages wait with playwright's auto-waiting locators, never with sleeps.
 * Screenshots go to test-artifacts/screenshots/ (git-ignored).
 */
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core'
import { REPO_ROOT } from '../helpers/agent-process.js'

/** The system Chromium (apt package `chromium`); `.ci/run` installs it. */
export const CHROMIUM = '/usr/bin/chromium'

/**
 * Flags for a headless Chromium in a container on a closed network: without the background
 * networking ones it keeps trying to reach Google's services.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync'
]

export const SCREENSHOT_DIR = join(REPO_ROOT, 'test-artifacts', 'screenshots')

/** Big enough that no table column is hidden (the dashboard hides secondary columns under 1100 px). */
export const VIEWPORT = { width: 1360, height: 900 }

/** Fails (never skips) when the browser is missing, saying how to install it. */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `The dashboard e2e tests need Chromium at ${CHROMIUM}, and it is missing. Install it with ` +
        '`apt-get install chromium` (CI does this in .ci/run). The tests do not download a browser.'
    )
  }
}

/** Fails when the dashboard was not built: the agents would serve a "run npm run build" page. */
export function requireDashboardBuild(): void {
  if (!existsSync(join(REPO_ROOT, 'ui', 'dist', 'index.html'))) {
    throw new Error('The dashboard e2e tests need ui/dist: run `npm run build` first (`npm test` does).')
  }
}

/** Launches the system Chromium, after checking that it and the built dashboard are there. */
export async function launchBrowser(): Promise<Browser> {
  requireChromium()
  requireDashboardBuild()
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 30_000 })
}

/** A context with the suite's viewport and timeouts; pass `storageState` to reuse a signed-in session. */
export async function newContext(browser: Browser, opts: BrowserContextOptions = {}): Promise<BrowserContext> {
  const ctx = await browser.newContext({ viewport: VIEWPORT, colorScheme: 'light', reducedMotion: 'reduce', ...opts })
  // long enough for a loaded 2-core box; every wait still ends as soon as the page is ready
  ctx.setDefaultTimeout(60_000)
  return ctx
}

/**
 * Collects the page's uncaught errors into `errors` (the suites check it after each test). Console
 * errors are not collected: an expected 401 or 403 logs one too.
 */
export function watchPage(page: Page, errors: string[]): Page {
  page.on('pageerror', (err) => errors.push(`page error: ${err.message}`))
  return page
}

/** Saves a full-page screenshot as test-artifacts/screenshots/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true })
  const path = join(SCREENSHOT_DIR, `${name}.png`)
  // from the top (sticky bars of a scrolled page land mid-capture otherwise), after the last render
  await page.evaluate(() => {
    window.scrollTo(0, 0)
    return new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r())))
  })
  await page.screenshot({ path, fullPage: true, animations: 'disabled' })
  return path
}
