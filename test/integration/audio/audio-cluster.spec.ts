/**
 * Speech to text and text to speech across three real agents: the whisper model sits on node A, the
 * TTS model on node B, the client talks to node C through the official openai client, so every request
 * is parsed at C, forwarded over the mesh (multipart bytes or JSON) to the node with the model, run in
 * that node's audio child, and answered back through C. The models have random weights: the assertions
 * are about formats, routing and errors, never words.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import OpenAI, { toFile } from 'openai'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { initWhisper } from '@fugood/whisper.node'
import { decodeWav, toWhisperPcm } from '../../../agent/src/audio/index.js'
import { writeTinyTts, writeTinyWhisper } from '../../../native-runtime/src/index.js'
import { spawnSync } from 'node:child_process'
import { audioSeconds, toneWav as clip } from '../../helpers/audio-formats.js'
import { meshAddress, nodesOf, startAgent, stopAllAgents, tempDir, tinyModel, waitFor, type RunningAgent } from '../../helpers/agent-process.js'

const CLUSTER_KEY = 'a7'.repeat(32)
/** Upload limit of every node (bytes): the long clip below fits, the too-large one does not. */
const MAX_BYTES = 4_200_000

let a: RunningAgent
let b: RunningAgent
let c: RunningAgent
/** Whether this machine has ffmpeg (node B uses it to encode mp3, opus, aac and flac). */
const ffmpegHere = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0
let client: OpenAI

/** Pid of A's audio child (a child process of the agent running `audio/child.js`). */
function audioChildPid(agentPid: number): number | undefined {
  for (const d of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const status = readFileSync(join('/proc', d, 'status'), 'utf8')
      if (Number(/PPid:\s+(\d+)/.exec(status)?.[1]) !== agentPid) continue
      if (readFileSync(join('/proc', d, 'cmdline'), 'utf8').includes('audio/child.js')) return Number(d)
    } catch {
      // the process ended while we looked
    }
  }
  return undefined
}

const errorOf = async (p: Promise<unknown>): Promise<{ status: number; code: string; message: string }> => {
  try {
    await p
  } catch (err) {
    const e = err as { status: number; code: string; message: string }
    return { status: e.status, code: e.code, message: e.message }
  }
  throw new Error('expected the request to fail')
}

/**
 * Waits until C lists every model again. On a loaded box a peer can miss a heartbeat and drop out of
 * C's view for a moment; each test starts from a cluster that sees everything.
 */
async function clusterSeesAll(): Promise<void> {
  await waitFor(async () => {
    const ids = (await client.models.list()).data.map((m) => m.id)
    return ['tiny-whisper', 'chat-b', 'tiny-voice'].every((id) => ids.includes(id))
  }, 'C to see every model', 60_000)
}

/** The whisper model file node A serves. */
let whisper: string

beforeAll(async () => {
  whisper = join(await tempDir('llmlb-whisper-'), 'tiny-whisper.bin')
  await writeTinyWhisper(whisper)
  const voice = await writeTinyTts(join(await tempDir('llmlb-tts-'), 'tiny-voice'))
  const env = { LLMLB_AUDIO_MAX_BYTES: String(MAX_BYTES) }
  // A has no ffmpeg (a path that does not exist): compressed formats there are a clear 400
  a = await startAgent({ name: 'audio-a', models: [whisper], clusterKey: CLUSTER_KEY, env: { ...env, LLMLB_AUDIO_FFMPEG: '/nonexistent/ffmpeg' } })
  const seed = await meshAddress(a)
  // one after the other: three agents starting at once on a busy 2-core box can miss the start deadline
  b = await startAgent({ name: 'audio-b', models: [await tinyModel('chat-b'), voice], clusterKey: CLUSTER_KEY, peers: [seed], env })
  c = await startAgent({ name: 'audio-c', clusterKey: CLUSTER_KEY, peers: [seed], env, readyModels: 3 })
  client = new OpenAI({ baseURL: `${c.url}/v1`, apiKey: 'unused', maxRetries: 0 })
  await clusterSeesAll()
})
afterAll(stopAllAgents)

describe('speech to text across the mesh', () => {
  it('transcribes a WAV on another node in every response format', async () => {
    await clusterSeesAll()
    const wav = clip(1.5)
    const json = await client.audio.transcriptions.create({ file: await toFile(wav, 'tone.wav'), model: 'tiny-whisper' })
    expect(typeof json.text).toBe('string')
    expect(json.text.length).toBeGreaterThan(0)

    const text = await client.audio.transcriptions.create({ file: await toFile(wav, 'tone.wav'), model: 'tiny-whisper', response_format: 'text' })
    expect(typeof text).toBe('string')
    expect(text.endsWith('\n')).toBe(true)

    const srt = await client.audio.transcriptions.create({ file: await toFile(wav, 'tone.wav'), model: 'tiny-whisper', response_format: 'srt' })
    expect(srt).toMatch(/^1\n\d{2}:\d{2}:\d{2},\d{3} --> \d{2}:\d{2}:\d{2},\d{3}\n/)

    const vtt = await client.audio.transcriptions.create({ file: await toFile(wav, 'tone.wav'), model: 'tiny-whisper', response_format: 'vtt' })
    expect(vtt).toMatch(/^WEBVTT\n\n\d{2}:\d{2}:\d{2}\.\d{3} --> /)

    const verbose = await client.audio.transcriptions.create({ file: await toFile(wav, 'tone.wav'), model: 'tiny-whisper', response_format: 'verbose_json', timestamp_granularities: ['word', 'segment'], language: 'en', temperature: 0 })
    expect(verbose.duration).toBeCloseTo(1.5, 1)
    expect(verbose.language).toBe('en')
    expect(verbose.segments?.length).toBeGreaterThan(0)
    for (const s of verbose.segments ?? []) expect(s.end).toBeGreaterThanOrEqual(s.start)
    expect(verbose.words?.length).toBeGreaterThan(0)

    const translated = await client.audio.translations.create({ file: await toFile(clip(1, 44_100), 'tone.wav'), model: 'tiny-whisper' })
    expect(typeof translated.text).toBe('string')
  })

  it('routes to the node that holds the model and records audio seconds in the ingress history', async () => {
    await clusterSeesAll()
    const raw = await client.audio.transcriptions.create({ file: await toFile(clip(2.2), 'tone.wav'), model: 'tiny-whisper' }).withResponse()
    expect(raw.response.headers.get('x-llmlb-served-by')).toBe('audio-a')
    expect(raw.response.headers.get('x-llmlb-route')).toBe('forwarded')
    const id = raw.response.headers.get('x-request-id') as string
    const record = await waitFor(async () => {
      const r = await fetch(`${c.url}/api/history/${id}`)
      return r.status === 200 ? ((await r.json()) as { api: string; servedBy: string; inputTokens: number; requestBody: string | null }) : undefined
    }, 'the history record at C')
    expect(record.api).toBe('transcription')
    expect(record.servedBy).toBe('audio-a')
    expect(record.inputTokens).toBe(3) // 2.2 s of audio, counted in whole seconds
    // the request body kept is the form's fields and the file's size, never the audio
    expect(record.requestBody ?? '').not.toContain('RIFF')
  })

  it("temperature_inc 0 (whisper.cpp server's field) decodes greedily: the same text as whisper.node's greedy decoding here", async () => {
    await clusterSeesAll()
    const wav = clip(3)
    // a random-weight model fails whisper's thresholds on every segment, so the fallback (temperature
    // steps, sampled) gives another text; with no fallback, decoding is greedy and deterministic
    const ctx = await initWhisper({ filePath: whisper, useGpu: false })
    const pcm = toWhisperPcm(decodeWav(wav))
    const greedy = (await ctx.transcribeData(pcm.buffer as ArrayBuffer, { language: 'en', temperature: 0, temperatureInc: 0, maxThreads: 1 }).promise).result.trim()
    await ctx.release()
    for (let i = 0; i < 2; i++) {
      const got = await client.audio.transcriptions.create({ file: await toFile(wav, 'tone.wav'), model: 'tiny-whisper', language: 'en', temperature: 0, temperature_inc: 0 } as OpenAI.Audio.TranscriptionCreateParamsNonStreaming)
      expect(got.text).toBe(greedy)
    }
    const outOfRange = await errorOf(client.audio.transcriptions.create({ file: await toFile(wav, 'tone.wav'), model: 'tiny-whisper', temperature_inc: 2 } as OpenAI.Audio.TranscriptionCreateParamsNonStreaming))
    expect(outOfRange).toMatchObject({ status: 400, code: 'invalid_request' })
    expect(outOfRange.message).toContain('temperature_inc')
  })

  it('bad input gets a clear 4xx and the node keeps serving', async () => {
    await clusterSeesAll()
    const empty = await errorOf(client.audio.transcriptions.create({ file: await toFile(Buffer.alloc(0), 'empty.wav'), model: 'tiny-whisper' }))
    expect(empty).toMatchObject({ status: 400, code: 'invalid_audio' })
    const corrupt = await errorOf(client.audio.transcriptions.create({ file: await toFile(Buffer.from('this is not audio at all'), 'x.wav'), model: 'tiny-whisper' }))
    expect(corrupt).toMatchObject({ status: 400, code: 'invalid_audio' })
    const broken = clip(0.5).subarray(0, 30) // a WAV header cut short
    expect(await errorOf(client.audio.transcriptions.create({ file: await toFile(broken, 'cut.wav'), model: 'tiny-whisper' }))).toMatchObject({ status: 400, code: 'invalid_audio' })
    const tooLarge = await errorOf(client.audio.transcriptions.create({ file: await toFile(Buffer.alloc(MAX_BYTES + 1024), 'big.wav'), model: 'tiny-whisper' }))
    expect(tooLarge.status).toBe(413)
    const ogg = Buffer.concat([Buffer.from('OggS'), Buffer.alloc(200)])
    const noDecoder = await errorOf(client.audio.transcriptions.create({ file: await toFile(ogg, 'voice.ogg'), model: 'tiny-whisper' }))
    expect(noDecoder).toMatchObject({ status: 400, code: 'audio_codec_missing' })
    expect(noDecoder.message).toContain('ffmpeg')
    const badFormat = await errorOf(client.audio.transcriptions.create({ file: await toFile(clip(0.5), 'a.wav'), model: 'tiny-whisper', response_format: 'xml' as 'json' }))
    expect(badFormat).toMatchObject({ status: 400, code: 'invalid_request' })
    const notAudioModel = await errorOf(client.audio.transcriptions.create({ file: await toFile(clip(0.5), 'a.wav'), model: 'chat-b' }))
    expect(notAudioModel).toMatchObject({ status: 400, code: 'model_capability_missing' })
    const unknown = await errorOf(client.audio.transcriptions.create({ file: await toFile(clip(0.5), 'a.wav'), model: 'no-such-model' }))
    expect(unknown).toMatchObject({ status: 404, code: 'model_not_found' })
    const chatToWhisper = await errorOf(client.chat.completions.create({ model: 'tiny-whisper', messages: [{ role: 'user', content: 'hi' }] }))
    expect(chatToWhisper).toMatchObject({ status: 400, code: 'model_capability_missing' })
    const after = await client.audio.transcriptions.create({ file: await toFile(clip(0.5), 'a.wav'), model: 'tiny-whisper' })
    expect(typeof after.text).toBe('string')
  })

  it('kill -9 of the audio child: the request in flight gets 503, then the node serves again without a restart', async () => {
    await clusterSeesAll()
    const child = audioChildPid(a.pid)
    expect(child).toBeGreaterThan(0)
    // two minutes of audio keep whisper busy long enough to be killed mid-way
    // sent to A itself: this test is about A's child, not about the mesh
    const atA = new OpenAI({ baseURL: `${a.url}/v1`, apiKey: 'unused', maxRetries: 0 })
    const inFlight = errorOf(atA.audio.transcriptions.create({ file: await toFile(clip(120), 'long.wav'), model: 'tiny-whisper' }))
    const started = waitFor(async () => {
      const self = (await nodesOf(a)).find((n) => n.self) as unknown as { models: { id: string; slotsBusy: number }[] }
      return self.models.find((m) => m.id === 'tiny-whisper')?.slotsBusy === 1
    }, 'the transcription to start on A', 120_000, 20)
    // if the request ended before it was seen running, its error says why
    expect(await Promise.race([started.then(() => 'started'), inFlight])).toBe('started')
    process.kill(child as number, 'SIGKILL')
    expect(await inFlight).toMatchObject({ status: 503, code: 'runtime_unavailable' })
    await waitFor(async () => {
      try {
        return typeof (await atA.audio.transcriptions.create({ file: await toFile(clip(0.5), 'a.wav'), model: 'tiny-whisper' })).text === 'string'
      } catch {
        return false
      }
    }, 'the audio child to come back', 60_000, 200)
    expect(audioChildPid(a.pid)).not.toBe(child)
    expect(a.proc.exitCode).toBeNull()
  })

  it('speaks on another node in every format, streamed; the bytes decode', async () => {
    await clusterSeesAll()
    const models = await client.models.list()
    const voiceModel = models.data.find((m) => m.id === 'tiny-voice') as unknown as { llmlb: { capabilities: { speech: boolean }; voices: string[] } }
    expect(voiceModel.llmlb.capabilities.speech).toBe(true)
    expect(voiceModel.llmlb.voices).toEqual(expect.arrayContaining(['alloy', 'speaker-0', 'speaker-1']))
    for (const format of ['wav', 'pcm', 'mp3', 'opus', 'aac', 'flac'] as const) {
      const request = client.audio.speech.create({ model: 'tiny-voice', input: 'Hello from the mesh. This is a test of speech.', voice: format === 'wav' ? 'speaker-1' : 'alloy', response_format: format })
      if (!ffmpegHere && format !== 'wav' && format !== 'pcm') {
        expect(await errorOf(request)).toMatchObject({ status: 400, code: 'audio_codec_missing' })
        continue
      }
      const res = await request
      expect(res.headers.get('x-llmlb-served-by')).toBe('audio-b')
      const bytes = Buffer.from(await res.arrayBuffer())
      expect(audioSeconds(format, bytes), `${format} holds audio`).toBeGreaterThan(0)
    }
  })

  it('speaks as server-sent events (stream_format sse) on another node: the deltas decode to a WAV, done carries the usage', async () => {
    await clusterSeesAll()
    const res = await client.audio.speech.create({ model: 'tiny-voice', input: 'Events from the mesh.', voice: 'alloy', response_format: 'wav', stream_format: 'sse' })
    expect(res.headers.get('content-type')).toContain('text/event-stream')
    expect(res.headers.get('x-llmlb-served-by')).toBe('audio-b')
    const events = (await res.text()).trim().split('\n\n').map((e) => JSON.parse(e.replace(/^data: /, '')) as { type: string; audio?: string; usage?: { input_tokens: number; output_tokens: number } })
    expect(events.length).toBeGreaterThan(1)
    expect(events.slice(0, -1).every((e) => e.type === 'speech.audio.delta')).toBe(true)
    const wav = Buffer.concat(events.slice(0, -1).map((e) => Buffer.from(e.audio ?? '', 'base64')))
    expect(audioSeconds('wav', wav)).toBeGreaterThan(0)
    const done = events.at(-1)
    expect(done?.type).toBe('speech.audio.done')
    expect(done?.usage?.input_tokens).toBe('Events from the mesh.'.length)
    expect(done?.usage?.output_tokens).toBeGreaterThan(0)
  })

  it('speech: an unknown voice, an empty input or a model without speech is a clear 400, and B keeps serving', async () => {
    await clusterSeesAll()
    expect(await errorOf(client.audio.speech.create({ model: 'tiny-voice', input: 'hi', voice: 'nobody' as 'alloy' }))).toMatchObject({ status: 400, code: 'invalid_request' })
    expect(await errorOf(client.audio.speech.create({ model: 'tiny-voice', input: '', voice: 'alloy' }))).toMatchObject({ status: 400, code: 'invalid_request' })
    expect(await errorOf(client.audio.speech.create({ model: 'tiny-voice', input: 'hi', voice: 'alloy', response_format: 'ogg' as 'opus' }))).toMatchObject({ status: 400, code: 'invalid_request' })
    expect(await errorOf(client.audio.speech.create({ model: 'chat-b', input: 'hi', voice: 'alloy' }))).toMatchObject({ status: 400, code: 'model_capability_missing' })
    const res = await client.audio.speech.create({ model: 'tiny-voice', input: 'still here', voice: 'nova', response_format: 'wav' })
    expect(audioSeconds('wav', Buffer.from(await res.arrayBuffer()))).toBeGreaterThan(0)
    expect(b.proc.exitCode).toBeNull()
  })
})
