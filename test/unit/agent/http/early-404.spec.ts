/** Unknown routes answer 404 before their body is parsed, whatever the content type. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildFixture, type Fixture } from '../auth/app-fixture.js'

let f: Fixture
beforeAll(async () => {
  f = await buildFixture()
})
afterAll(async () => f.close())

describe('unknown routes', () => {
  it('a multipart upload to a route that does not exist is a 404, not invalid_json', async () => {
    const boundary = 'llmlbboundary'
    const body = `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="a.wav"\r\ncontent-type: audio/wav\r\n\r\nRIFF....\r\n--${boundary}--\r\n`
    const res = await f.app.inject({ method: 'POST', url: '/v1/nothing/upload', headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, payload: body })
    expect(res.statusCode).toBe(404)
    expect(res.json()).toMatchObject({ error: { code: 'route_not_found' } })
  })

  it('a body that is not JSON on an unknown route is a 404 too; on a known route it is invalid_json', async () => {
    const unknown = await f.app.inject({ method: 'POST', url: '/v1/nothing', headers: { 'content-type': 'application/json' }, payload: '{not json' })
    expect(unknown.statusCode).toBe(404)
    const known = await f.app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload: '{not json' })
    expect(known.statusCode).toBe(400)
    expect(known.json()).toMatchObject({ error: { code: 'invalid_json' } })
  })
})
