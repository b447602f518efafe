import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { ERROR_TABLE } from '../../../agent/src/errors/error-table.js'
import { renderError } from '../../../agent/src/errors/render.js'
import { QueueFullError, InvalidRequestError } from '../../../agent/src/errors/errors.js'
import { ContextOverflowError, RuntimeUnavailableError } from '../../../native-runtime/src/errors.js'

describe('error table', () => {
  it('matches specs/errors.md row for row', () => {
    const md = readFileSync(new URL('../../../specs/errors.md', import.meta.url), 'utf8')
    const rows = [...md.matchAll(/^\| ([a-z_]+) \| (\d{3}) \| ([a-z_]+) \|/gm)].map((m) => [m[1], Number(m[2]), m[3]])
    const table = Object.entries(ERROR_TABLE).map(([code, r]) => [code, r.status, r.type])
    expect(rows.sort()).toEqual(table.sort())
  })

  it('keeps 4xx messages and params', () => {
    const r = renderError(new InvalidRequestError("'messages' is required", 'messages'))
    expect(r.status).toBe(400)
    expect(r.body.error).toEqual({ message: "'messages' is required", type: 'invalid_request_error', param: 'messages', code: 'invalid_request' })
  })

  it('hides internal messages of 5xx and unknown errors', () => {
    const r = renderError(new Error('secret at /home/x/file.ts:12'))
    expect(r.status).toBe(500)
    expect(r.body.error.message).not.toContain('secret')
    expect(r.body.error.code).toBe('internal_error')
    const u = renderError(new RuntimeUnavailableError('child pid 123 died with SIGKILL'))
    expect(u.status).toBe(503)
    expect(u.body.error.message).not.toContain('pid')
  })

  it('maps runtime errors by code and keeps Retry-After headers', () => {
    expect(renderError(new ContextOverflowError(900, 512)).status).toBe(400)
    const q = renderError(new QueueFullError('m', 3))
    expect(q.status).toBe(429)
    expect(q.headers['retry-after']).toBe('3')
  })

  it('maps fastify body errors', () => {
    expect(renderError({ code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413, message: 'too large' }).status).toBe(413)
    expect(renderError({ code: 'FST_ERR_SOMETHING', statusCode: 400, message: 'bad' }).status).toBe(400)
  })
})
