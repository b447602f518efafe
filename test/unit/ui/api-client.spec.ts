// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest'
import { createApiClient } from '../../../ui/src/api/client.js'
import { ApiError, isUnavailable, messageOf } from '../../../ui/src/api/errors.js'
import { fakeFetch, json, streamOf, UNAUTHORIZED } from './helpers.js'

describe('API client', () => {
  it('sends the CSRF token on writes only, with same-origin credentials', async () => {
    const f = fakeFetch({ 'GET /api/keys': { data: [] }, 'POST /api/keys': { id: 'k1', name: 'ci', key: 'sk-1', scopes: ['inference'], createdAt: 1, expiresAt: null } })
    const spy = vi.fn(f)
    const api = createApiClient({ fetch: spy as unknown as typeof fetch })
    api.transport.setCsrfToken('tok')
    await api.keys.list()
    await api.keys.create({ name: 'ci', scopes: ['inference'] })
    expect(f.calls[0]?.headers['x-csrf-token']).toBeUndefined()
    expect(f.calls[1]?.headers['x-csrf-token']).toBe('tok')
    expect(f.calls[1]?.body).toEqual({ name: 'ci', scopes: ['inference'] })
    expect(spy.mock.calls[0]?.[1]?.credentials).toBe('same-origin')
  })

  it('throws typed errors from the OpenAI error body', async () => {
    const api = createApiClient({ fetch: fakeFetch({ 'GET /v1/models': () => json(503, { error: { message: 'No capacity', type: 'unavailable_error', param: null, code: 'no_capacity' } }) }) })
    const err = await api.models.list().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toMatchObject({ status: 503, code: 'no_capacity', message: 'No capacity' })
    expect(isUnavailable(err)).toBe(false)
  })

  it('recognises endpoints this node does not have', async () => {
    const api = createApiClient({ fetch: fakeFetch({}) })
    const err = await api.history.list('page=1').catch((e: unknown) => e)
    expect(isUnavailable(err)).toBe(true)
  })

  it('reports a 401 as an ended session, except where one is expected', async () => {
    const api = createApiClient({ fetch: fakeFetch({ 'GET /api/nodes': UNAUTHORIZED, 'GET /api/auth/me': UNAUTHORIZED }) })
    const ended = vi.fn()
    api.transport.onUnauthorized(ended)
    await api.auth.me().catch(() => undefined)
    expect(ended).not.toHaveBeenCalled()
    await api.nodes.list().catch(() => undefined)
    expect(ended).toHaveBeenCalledTimes(1)
  })

  it('turns a network failure into status 0', async () => {
    const api = createApiClient({ fetch: (() => Promise.reject(new TypeError('Failed to fetch'))) as typeof fetch })
    const err = await api.health().catch((e: unknown) => e)
    expect(err).toMatchObject({ status: 0 })
    expect(messageOf(err)).toBe('Cannot reach the agent: Failed to fetch')
  })

  it('streams a chat answer with its routing headers', async () => {
    const body = streamOf(['data: {"choices":[{"delta":{"content":"hi"}}]}\n', '\ndata: [DONE]\n\n'])
    const api = createApiClient({
      fetch: fakeFetch({
        'POST /v1/chat/completions': () =>
          new Response(body, {
            headers: { 'content-type': 'text/event-stream', 'x-llmlb-served-by': 'gpu-2', 'x-llmlb-route': 'forwarded', 'x-llmlb-route-reason': 'free slot', 'x-llmlb-hops': '1', 'x-request-id': 'r1' }
          })
      })
    })
    const s = await api.chat.stream({ model: 'tiny', messages: [], stream: true })
    expect(s.route).toEqual({ servedBy: 'gpu-2', route: 'forwarded', reason: 'free slot', hops: 1, requestId: 'r1' })
    const events = []
    for await (const ev of s.events) events.push(ev)
    expect(events).toEqual([{ type: 'delta', text: 'hi' }, { type: 'done' }])
  })
})
