/**
 * Uploads cross the mesh as streams: two real agents whose forward protocol reads at most 256 KiB of a
 * request body whole (LLMLB_FORWARD_BODY_LIMIT_BYTES), the whisper model on A, the official openai
 * client at C. A clip of ~3 MB transcribes through C — it can only have reached A streamed. A client
 * that aborts mid-upload leaves no spooled file on either node, and both keep serving.
 */
import { readdirSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import OpenAI, { toFile } from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeTinyWhisper } from '../../../native-runtime/src/index.js'
import { PART_MEMORY_BYTES } from '../../../agent/src/uploads/multipart.js'
import { toneWav } from '../../helpers/audio-formats.js'
import { meshAddress, startAgent, stopAllAgents, tempDir, waitFor, type RunningAgent } from '../../helpers/agent-process.js'

const FORWARD_LIMIT = 256 * 1024
let a: RunningAgent
let c: RunningAgent
let client: OpenAI

/** Spooled upload files of an agent now (its spool directories are named after its pid, on tmpfs or the temp dir). */
function spooledFiles(agent: RunningAgent): string[] {
  const out: string[] = []
  for (const base of ['/dev/shm', process.env.TMPDIR ?? '/tmp']) {
    let names: string[] = []
    try {
      names = readdirSync(base)
    } catch {
      continue
    }
    for (const d of names.filter((n) => n.startsWith(`llmlb-upload-${agent.pid}-`))) out.push(...readdirSync(join(base, d)).map((f) => join(base, d, f)))
  }
  return out
}

beforeAll(async () => {
  const whisper = join(await tempDir('llmlb-whisper-'), 'tiny-whisper.bin')
  await writeTinyWhisper(whisper)
  const env = { LLMLB_AUDIO_MAX_BYTES: String(8 * 1024 * 1024), LLMLB_FORWARD_BODY_LIMIT_BYTES: String(FORWARD_LIMIT) }
  a = await startAgent({ name: 'stream-a', models: [whisper], clusterKey: 'b8'.repeat(32), env })
  c = await startAgent({ name: 'stream-c', clusterKey: 'b8'.repeat(32), peers: [await meshAddress(a)], env, readyModels: 1 })
  client = new OpenAI({ baseURL: `${c.url}/v1`, apiKey: 'unused', maxRetries: 0 })
}, 180_000)
afterAll(stopAllAgents)

describe('uploads streamed across the mesh', () => {
  it('transcribes on another node an upload larger than what the forward protocol reads whole', { timeout: 180_000 }, async () => {
    const wav = toneWav(95) // 16 kHz mono 16-bit: ~3 MB, over ten times the buffered limit
    expect(wav.byteLength).toBeGreaterThan(10 * FORWARD_LIMIT)
    const raw = await client.audio.transcriptions.create({ file: await toFile(wav, 'long.wav'), model: 'tiny-whisper', response_format: 'verbose_json', temperature_inc: 0 } as OpenAI.Audio.TranscriptionCreateParamsNonStreaming).withResponse()
    expect(raw.response.headers.get('x-llmlb-served-by')).toBe('stream-a')
    expect(raw.response.headers.get('x-llmlb-route')).toBe('forwarded')
    expect((raw.data as unknown as { duration: number }).duration).toBeCloseTo(95, 0)
    await waitFor(() => spooledFiles(a).length === 0 && spooledFiles(c).length === 0, 'the spooled uploads to be removed')
  })

  it('a client that aborts mid-upload leaves no spooled file on either node, and both keep serving', { timeout: 180_000 }, async () => {
    // 200 s: ~6.4 MB, so the half sent before the abort is past what a part gathers in memory before it
    // streams to its spool file (PART_MEMORY_BYTES)
    const wav = toneWav(200)
    expect(wav.byteLength / 2).toBeGreaterThan(PART_MEMORY_BYTES)
    const boundary = 'llmlbabort'
    const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\nContent-Type: audio/wav\r\n\r\n`)
    const tail = Buffer.from(`\r\n--${boundary}\r\nContent-Disposition: form-data; name="model"\r\n\r\ntiny-whisper\r\n--${boundary}--\r\n`)
    const req = request(`${c.url}/v1/audio/transcriptions`, { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(head.byteLength + wav.byteLength + tail.byteLength) } })
    const closed = new Promise<void>((resolve) => req.on('close', resolve))
    req.on('error', () => undefined)
    req.write(head)
    req.write(wav.subarray(0, wav.byteLength / 2))
    // the ingress is spooling the file: then the client goes away
    await waitFor(() => spooledFiles(c).length > 0, 'C to spool the upload')
    req.destroy()
    await closed
    await waitFor(() => spooledFiles(c).length === 0, 'C to remove the aborted upload', 60_000)
    expect(spooledFiles(a)).toEqual([])
    const again = await client.audio.transcriptions.create({ file: await toFile(toneWav(2), 'short.wav'), model: 'tiny-whisper' }).withResponse()
    expect(again.response.headers.get('x-llmlb-served-by')).toBe('stream-a')
    expect(typeof again.data.text).toBe('string')
    await waitFor(() => spooledFiles(a).length === 0 && spooledFiles(c).length === 0, 'the spooled uploads to be removed')
  })
})
