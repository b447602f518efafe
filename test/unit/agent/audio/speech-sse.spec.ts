import { describe, expect, it } from 'vitest'
import { speechEvents } from '../../../../agent/src/audio/speech-sse.js'
import { SpeechRequestSchema } from '../../../../agent/src/audio/speech.js'

async function collect(gen: AsyncIterable<Uint8Array>): Promise<{ type: string; audio?: string; usage?: Record<string, number> }[]> {
  let text = ''
  for await (const c of gen) text += new TextDecoder().decode(c)
  expect(text.endsWith('\n\n')).toBe(true)
  return text.trim().split('\n\n').map((e) => {
    expect(e.startsWith('data: ')).toBe(true)
    return JSON.parse(e.slice(6)) as { type: string; audio?: string; usage?: Record<string, number> }
  })
}

describe('speech as server-sent events', () => {
  it('sends every byte once, in order, then done with the usage read at the end', async () => {
    const usage = { promptTokens: 12, completionTokens: 0 }
    const parts = [Uint8Array.of(1, 2, 3), new Uint8Array(0), Uint8Array.of(255, 0, 7, 9)]
    async function* audio(): AsyncGenerator<Uint8Array> {
      for (const p of parts) yield p
      usage.completionTokens = 3 // known only once the audio ended
    }
    const events = await collect(speechEvents(audio(), usage))
    expect(events.map((e) => e.type)).toEqual(['speech.audio.delta', 'speech.audio.delta', 'speech.audio.done'])
    const bytes = Buffer.concat(events.filter((e) => e.audio !== undefined).map((e) => Buffer.from(e.audio as string, 'base64')))
    expect([...bytes]).toEqual([1, 2, 3, 255, 0, 7, 9])
    expect(events.at(-1)?.usage).toEqual({ input_tokens: 12, output_tokens: 3, total_tokens: 15 })
  })

  it('accepts stream_format sse and audio (the default), and nothing else', () => {
    const base = { model: 'm', input: 'hi', voice: 'alloy' }
    expect(SpeechRequestSchema.parse(base).stream_format).toBe('audio')
    expect(SpeechRequestSchema.parse({ ...base, stream_format: 'sse' }).stream_format).toBe('sse')
    expect(SpeechRequestSchema.safeParse({ ...base, stream_format: 'ws' }).success).toBe(false)
  })
})
