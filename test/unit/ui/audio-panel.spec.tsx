// @vitest-environment happy-dom
/**
 * The playground's audio panel against a fake API: hidden without audio models, a file sent for
 * transcription shows its text, and Speak asks for WAV with the chosen voice and shows a player.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createApiClient } from '../../../ui/src/api/client.js'
import type { ClusterModel } from '../../../ui/src/api/types.js'
import { AudioPanel } from '../../../ui/src/pages/playground/audio-panel.jsx'
import { ApiProvider } from '../../../ui/src/stores/api.js'
import { fakeFetch } from './helpers.js'
import { mount, type Mounted } from './render.jsx'

const caps = { chat: false, completion: false, embeddings: false, tools: false, vision: false }
const model = (id: string, extra: Record<string, unknown>): ClusterModel =>
  ({ id, object: 'model', created: 0, owned_by: 'llmlb', llmlb: { capabilities: { ...caps, ...extra }, context_length: 0, quantization: '', size_bytes: 0, nodes: ['n1'], ...(extra.speech ? { voices: ['alloy', 'speaker-0'] } : {}) } }) as ClusterModel

const until = async (check: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5))
}

describe('audio panel', () => {
  let m: Mounted | undefined
  afterEach(() => m?.dispose())

  it('is hidden when the cluster has no audio model', () => {
    const api = createApiClient({ fetch: fakeFetch({}) })
    m = mount(() => (
      <ApiProvider value={api}>
        <AudioPanel models={[model('chat', { chat: true })]} lastAnswer={() => ''} />
      </ApiProvider>
    ))
    expect(m.byTestId('audio-panel')).toBeNull()
  })

  it('transcribes a chosen file and speaks the last answer as WAV', async () => {
    const f = fakeFetch({
      'POST /v1/audio/transcriptions': { text: 'hello from a file' },
      'POST /v1/audio/speech': () => new Response(new Uint8Array([82, 73, 70, 70]), { headers: { 'content-type': 'audio/wav', 'x-llmlb-served-by': 'n1' } })
    })
    const api = createApiClient({ fetch: f })
    m = mount(() => (
      <ApiProvider value={api}>
        <AudioPanel models={[model('whisper', { transcription: true }), model('voice', { speech: true })]} lastAnswer={() => 'the last answer'} />
      </ApiProvider>
    ))
    const input = m.byTestId('audio-file') as HTMLInputElement
    Object.defineProperty(input, 'files', { value: [new File([new Uint8Array([1, 2, 3])], 'clip.wav', { type: 'audio/wav' })] })
    input.dispatchEvent(new Event('change'))
    await until(() => m?.byTestId('audio-transcript') !== null)
    expect(m.byTestId('audio-transcript')?.textContent).toBe('hello from a file')
    ;(m.byTestId('audio-speak') as HTMLButtonElement).click()
    await until(() => m?.byTestId('audio-player') !== null)
    expect(m.byTestId('audio-player')).not.toBeNull()
    const speech = f.calls.find((c) => c.url.endsWith('/v1/audio/speech'))
    expect(speech?.body).toEqual({ model: 'voice', input: 'the last answer', voice: 'alloy', response_format: 'wav' })
    expect(m.byTestId('audio-error')).toBeNull()
  })
})
