// @vitest-environment happy-dom
import { createRoot } from 'solid-js'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createApiClient } from '../../../ui/src/api/client.js'
import { Conversation } from '../../../ui/src/pages/playground/conversation.jsx'
import { createPlaygroundStore } from '../../../ui/src/stores/playground.js'
import { fakeFetch, streamOf } from './helpers.js'
import { mount, type Mounted } from './render.jsx'

const delta = (content: string) => `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`

function storeAnswering(chunks: string[], headers: Record<string, string> = {}) {
  const f = fakeFetch({
    'POST /v1/chat/completions': () =>
      new Response(streamOf(chunks), { headers: { 'content-type': 'text/event-stream', 'x-llmlb-served-by': 'gpu-2', 'x-llmlb-route': 'forwarded', 'x-llmlb-route-reason': 'free-slot', 'x-llmlb-hops': '1', ...headers } })
  })
  const store = createRoot(() => createPlaygroundStore(createApiClient({ fetch: f })))
  store.setSettings({ model: 'tiny', system: 'be brief', temperature: 0.5, maxTokens: 32 })
  return { store, f }
}

describe('playground', () => {
  let m: Mounted | undefined
  afterEach(() => m?.dispose())

  it('streams an answer split across chunks and shows where it was served', async () => {
    const text = delta('Hello') + delta(', wor') + delta('ld') + 'data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":4,"completion_tokens":3}}\n\ndata: [DONE]\n\n'
    const { store, f } = storeAnswering([text.slice(0, 9), text.slice(9, 70), text.slice(70, 71), text.slice(71)])
    m = mount(() => <Conversation turns={store.state.turns} />)
    await store.send('hi')
    expect(f.calls[0]?.body).toMatchObject({ model: 'tiny', stream: true, temperature: 0.5, max_tokens: 32, messages: [{ role: 'system' }, { role: 'user', content: 'hi' }] })
    expect(m.byTestId('playground-output')?.textContent).toBe('Hello, world')
    expect(m.byTestId('served-by')?.textContent).toBe('gpu-2')
    expect(m.byTestId('route-reason')?.textContent).toContain('free-slot')
    expect(m.byTestId('playground-error')).toBeNull()
    expect(store.state.running).toBe(false)
    expect(m.root.textContent).toContain('4 in · 3 out')
  })

  it('shows the error event that ends a failed stream', async () => {
    const { store } = storeAnswering([delta('par'), delta('tial'), 'data: {"error":{"message":"The node serving this model failed","type":"server_error","param":null,"code":"upstream_failed"}}\n\n'])
    m = mount(() => <Conversation turns={store.state.turns} />)
    await store.send('hi')
    expect(m.byTestId('playground-output')?.textContent).toBe('partial')
    expect(m.byTestId('playground-error')?.textContent).toBe('The node serving this model failed')
  })

  it('shows an error answered before the stream started', async () => {
    const f = fakeFetch({
      'POST /v1/chat/completions': () =>
        new Response(JSON.stringify({ error: { message: "Model 'x' does not accept images", type: 'invalid_request_error', param: 'messages', code: 'unsupported_capability' } }), { status: 400 })
    })
    const store = createRoot(() => createPlaygroundStore(createApiClient({ fetch: f })))
    store.setSettings({ model: 'x' })
    await store.send('look', 'data:image/png;base64,AAAA')
    const answer = store.state.turns[1]
    expect(answer?.role === 'assistant' && answer.answer.error).toBe("Model 'x' does not accept images")
    expect((f.calls[0]?.body as { messages: { content: unknown }[] }).messages[0]?.content).toEqual([
      { type: 'text', text: 'look' },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }
    ])
  })

  it('stops a running answer', async () => {
    let cancel = vi.fn()
    const f = fakeFetch({
      'POST /v1/chat/completions': () =>
        new Response(
          new ReadableStream<Uint8Array>({
            start: (c) => c.enqueue(new TextEncoder().encode(delta('slow'))),
            cancel: (cancel = vi.fn())
          }),
          { headers: { 'content-type': 'text/event-stream' } }
        )
    })
    const store = createRoot(() => createPlaygroundStore(createApiClient({ fetch: f })))
    store.setSettings({ model: 'tiny' })
    const done = store.send('hi')
    await vi.waitFor(() => expect(store.state.turns[1]?.text).toBe('slow'))
    store.stop()
    await done
    const answer = store.state.turns[1]
    expect(answer?.role === 'assistant' && answer.answer.error).toBe('Stopped')
    expect(store.state.running).toBe(false)
    expect(cancel).toHaveBeenCalled()
  })
})
