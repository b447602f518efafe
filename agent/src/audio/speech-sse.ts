/**
 * OpenAI's `stream_format: "sse"` for `/v1/audio/speech`: the same encoded audio bytes as the raw
 * stream, each chunk sent as it is produced in a `speech.audio.delta` event (base64), then one
 * `speech.audio.done` event with the usage. A client decodes each delta and concatenates the bytes:
 * the result is the file the raw stream would have been.
 */
import type { Served } from '../inference/inference-service.js'
import { sseData } from '../inference/http-result.js'

const enc = new TextEncoder()
const event = (data: unknown): Uint8Array => enc.encode(sseData(data))

/** Wraps encoded audio in SSE events; `usage` (input characters, audio seconds) is read after the audio ended. */
export async function* speechEvents(audio: AsyncIterable<Uint8Array>, usage: NonNullable<Served['usage']>): AsyncGenerator<Uint8Array> {
  for await (const bytes of audio) {
    if (bytes.byteLength === 0) continue
    yield event({ type: 'speech.audio.delta', audio: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') })
  }
  const input = usage.promptTokens
  const output = usage.completionTokens
  yield event({ type: 'speech.audio.done', usage: { input_tokens: input, output_tokens: output, total_tokens: input + output } })
}
