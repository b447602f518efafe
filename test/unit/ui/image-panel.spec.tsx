// @vitest-environment happy-dom
/**
 * The playground's image panel against a fake API: hidden without an image model; Generate sends the
 * chosen model, prompt, size and count asking for URLs and shows one picture per URL; an error shows.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createApiClient } from '../../../ui/src/api/client.js'
import type { ClusterModel } from '../../../ui/src/api/types.js'
import { ImagePanel } from '../../../ui/src/pages/playground/image-panel.jsx'
import { ApiProvider } from '../../../ui/src/stores/api.js'
import { fakeFetch } from './helpers.js'
import { mount, type Mounted } from './render.jsx'

const model = (id: string, imageGeneration: boolean): ClusterModel =>
  ({ id, object: 'model', created: 0, owned_by: 'llmlb', llmlb: { capabilities: { chat: !imageGeneration, completion: false, embeddings: false, tools: false, vision: false, imageGeneration }, context_length: 0, quantization: '', size_bytes: 0, nodes: ['n1'] } }) as ClusterModel

const until = async (check: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5))
}

describe('image panel', () => {
  let m: Mounted | undefined
  afterEach(() => m?.dispose())

  it('is hidden when the cluster has no image model', () => {
    const api = createApiClient({ fetch: fakeFetch({}) })
    m = mount(() => (
      <ApiProvider value={api}>
        <ImagePanel models={[model('chat', false)]} />
      </ApiProvider>
    ))
    expect(m.byTestId('image-panel')).toBeNull()
  })

  it('generates with the chosen size and count and shows the answered URLs', async () => {
    const urls = ['http://n1:8080/v1/images/files/AAAA', 'http://n1:8080/v1/images/files/BBBB']
    const f = fakeFetch({ 'POST /v1/images/generations': { created: 1, data: urls.map((url) => ({ url })) } })
    const api = createApiClient({ fetch: f })
    m = mount(() => (
      <ApiProvider value={api}>
        <ImagePanel models={[model('chat', false), model('sd-turbo', true)]} />
      </ApiProvider>
    ))
    const prompt = m.byTestId('image-prompt') as HTMLInputElement
    prompt.value = 'a red boat'
    prompt.dispatchEvent(new Event('input', { bubbles: true }))
    const sizeSel = m.byTestId('image-size') as HTMLSelectElement
    sizeSel.value = '256x256'
    sizeSel.dispatchEvent(new Event('change'))
    const count = m.byTestId('image-count') as HTMLInputElement
    count.value = '2'
    count.dispatchEvent(new Event('input', { bubbles: true }))
    ;(m.byTestId('image-generate') as HTMLButtonElement).click()
    await until(() => m?.byTestId('image-results') !== null)
    const shown = [...(m.byTestId('image-results')?.querySelectorAll('img') ?? [])].map((i) => i.getAttribute('src'))
    expect(shown).toEqual(urls)
    expect(f.calls.find((c) => c.url.endsWith('/v1/images/generations'))?.body).toEqual({ model: 'sd-turbo', prompt: 'a red boat', size: '256x256', n: 2, response_format: 'url' })
    expect(m.byTestId('image-error')).toBeNull()
  })

  it('shows the error of a refused request', async () => {
    const f = fakeFetch({ 'POST /v1/images/generations': () => new Response(JSON.stringify({ error: { message: "The model 'x' does not support image generation", type: 'invalid_request_error', param: 'model', code: 'model_capability_missing' } }), { status: 400, headers: { 'content-type': 'application/json' } }) })
    const api = createApiClient({ fetch: f })
    m = mount(() => (
      <ApiProvider value={api}>
        <ImagePanel models={[model('sd-turbo', true)]} />
      </ApiProvider>
    ))
    ;(m.byTestId('image-generate') as HTMLButtonElement).click()
    await until(() => m?.byTestId('image-error') !== null)
    expect(m.byTestId('image-error')?.textContent).toContain('does not support image generation')
  })
})
