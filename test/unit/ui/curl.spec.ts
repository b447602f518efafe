// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'
import { buildCurl, chatCurl, shellQuote } from '../../../ui/src/lib/curl.js'

describe('copy as curl', () => {
  it('quotes single quotes for POSIX shells', () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`)
  })

  it('builds a streamed chat request that keeps the key in an env var', () => {
    const cmd = chatCurl('http://10.0.0.5:32768/', { model: 'tiny', stream: true, messages: [{ role: 'user', content: "what's up" }] })
    expect(cmd).toBe(
      [
        `curl -N 'http://10.0.0.5:32768/v1/chat/completions'`,
        `-H "authorization: Bearer $LLMLB_API_KEY"`,
        `-H 'content-type: application/json'`,
        `-d '{"model":"tiny","stream":true,"messages":[{"role":"user","content":"what'\\''s up"}]}'`
      ].join(' \\\n  ')
    )
  })

  it('adds -X only when the method is not implied', () => {
    expect(buildCurl({ url: 'http://h/api/keys/1', method: 'DELETE' })).toBe(`curl 'http://h/api/keys/1' \\\n  -X DELETE`)
    expect(buildCurl({ url: 'http://h/x', json: { a: 1 } })).toContain(`-H 'content-type: application/json'`)
  })
})
