/** A long-lived request (the SSE stream) ends the moment its credential stops being valid. */
import { afterEach, describe, expect, it } from 'vitest'
import { addKey, buildFixture, PASSWORDS, type Fixture } from './app-fixture.js'

let f: Fixture | undefined
afterEach(async () => {
  await f?.close()
  f = undefined
})

async function openStream(fx: Fixture, headers: Record<string, string>): Promise<{ closed: Promise<void>; status: number }> {
  await fx.app.listen({ port: 0, host: '127.0.0.1' })
  const addr = fx.app.server.address()
  const port = typeof addr === 'object' && addr ? addr.port : 0
  const res = await fetch(`http://127.0.0.1:${port}/api/events`, { headers })
  const reader = (res.body as ReadableStream<Uint8Array>).getReader()
  const closed = (async () => {
    try {
      for (;;) if ((await reader.read()).done) return
    } catch {
      // a destroyed socket errors the read: closed either way
    }
  })()
  return { closed, status: res.status }
}

const within = <T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> => Promise.race([p, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms))])

describe('open requests and revocation', () => {
  it('revoking a key closes its open event stream', async () => {
    f = await buildFixture()
    const key = await addKey(f.auth, ['nodes:read'])
    const { closed, status } = await openStream(f, { authorization: `Bearer ${key}` })
    expect(status).toBe(200)
    expect(await within(closed, 300)).toBe('timeout')
    await f.auth.keys.revoke(key.split('_')[1] ?? '')
    expect(await within(closed, 2_000)).toBeUndefined()
  })

  it('deleting a user closes the streams of their sessions', async () => {
    f = await buildFixture()
    const login = await f.app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ username: 'viewer', password: PASSWORDS.viewer }) })
    const cookie = String(login.headers['set-cookie']).split(';')[0] ?? ''
    const { closed, status } = await openStream(f, { cookie })
    expect(status).toBe(200)
    await f.auth.users.delete('viewer')
    expect(await within(closed, 2_000)).toBeUndefined()
  })
})
