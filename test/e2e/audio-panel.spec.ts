/**
 * The playground's audio panel in a real headless Chromium: a node with a whisper model and a TTS model
 * (both generated here) transcribes a WAV the browser uploads, and speaks a text that the browser's own
 * audio element loads and decodes (its duration is the proof). A request the node refuses (a text over
 * the API's limit) shows its error, and the panel works again after.
 */
import { join } from 'node:path'
import { writeFile } from 'node:fs/promises'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeTinyTts, writeTinyWhisper } from '../../native-runtime/src/index.js'
import { toneWav } from '../helpers/audio-formats.js'
import { startAgent, stopAllAgents, tempDir, waitFor, type RunningAgent } from '../helpers/agent-process.js'
import { launchBrowser, newContext, requireChromium, requireDashboardBuild, screenshot, watchPage } from './browser.js'

let node: RunningAgent
let browser: Browser
let page: Page
let wavPath: string
const pageErrors: string[] = []

const byTestId = (p: Page, id: string) => p.locator(`[data-testid="${id}"]`)

beforeAll(async () => {
  requireChromium()
  requireDashboardBuild()
  const dir = await tempDir('llmlb-audio-ui-')
  const whisper = join(dir, 'tiny-whisper.bin')
  await writeTinyWhisper(whisper)
  const voice = await writeTinyTts(join(dir, 'tiny-voice'))
  wavPath = join(dir, 'clip.wav')
  await writeFile(wavPath, toneWav(3))
  ;[node, browser] = await Promise.all([startAgent({ name: 'audio-ui', auth: false, models: [whisper, voice] }), launchBrowser()])
  page = watchPage(await (await newContext(browser)).newPage(), pageErrors)
})

afterAll(async () => {
  await browser?.close()
  await stopAllAgents()
})

describe('playground audio panel', () => {
  it('transcribes an uploaded WAV and plays the speech of a text in the browser', async () => {
    await page.goto(`${node.url}/playground`)
    await byTestId(page, 'audio-panel').waitFor()
    expect(await byTestId(page, 'audio-stt-model').locator('option').allTextContents()).toEqual(['tiny-whisper'])
    expect(await byTestId(page, 'audio-tts-model').locator('option').allTextContents()).toEqual(['tiny-voice'])

    // speech to text: the file goes up as multipart, the transcript comes back into the page
    await byTestId(page, 'audio-file').setInputFiles(wavPath)
    await waitFor(async () => ((await byTestId(page, 'audio-transcript').textContent()) ?? '').trim().length > 0, 'the transcript', 60_000)
    expect(await byTestId(page, 'audio-error').count()).toBe(0)

    // text to speech: the browser decodes the WAV it was sent
    await byTestId(page, 'audio-text').fill('Hello from the playground.')
    await byTestId(page, 'audio-speak').click()
    const player = byTestId(page, 'audio-player')
    await waitFor(async () => ((await player.getAttribute('src')) ?? '').startsWith('blob:'), 'the speech', 60_000)
    await waitFor(async () => player.evaluate((el: HTMLAudioElement) => el.readyState >= 1), 'the browser to read the audio', 30_000)
    expect(await player.evaluate((el: HTMLAudioElement) => el.duration)).toBeGreaterThan(0)
    await screenshot(page, 'playground-audio')
    expect(pageErrors).toEqual([])
  })

  it('shows a failed request clearly and works again after', async () => {
    await page.goto(`${node.url}/playground`)
    await byTestId(page, 'audio-panel').waitFor()
    // a text over the API's limit (4 096 characters): the node's 400 shows in the panel
    await byTestId(page, 'audio-text').fill('word '.repeat(1_000))
    await byTestId(page, 'audio-speak').click()
    await waitFor(async () => ((await byTestId(page, 'audio-error').textContent()) ?? '').length > 0, 'the error', 30_000)
    expect(await byTestId(page, 'audio-error').textContent()).toContain('input')
    await byTestId(page, 'audio-text').fill('Short again.')
    await waitFor(async () => {
      await byTestId(page, 'audio-speak').click()
      await page.locator('[data-testid="audio-speak"]:not([disabled])').waitFor()
      return (await byTestId(page, 'audio-error').count()) === 0
    }, 'the panel to work again', 60_000)
    expect(pageErrors).toEqual([])
  })
})
