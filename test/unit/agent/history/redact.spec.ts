import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { capText, holdsMedia, redactMedia, storedJson, storedResponse } from '../../../../agent/src/history/redact.js'

const b64 = (n: number): string => 'QUJD'.repeat(Math.ceil(n / 4)).slice(0, n)

describe('redaction', () => {
  it('replaces data URLs, input audio and long base64, and keeps text', () => {
    const body = {
      model: 'm',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is in this image?' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${b64(5000)}` } },
            { type: 'input_audio', input_audio: { data: b64(100), format: 'wav' } }
          ]
        }
      ],
      note: b64(300)
    }
    const out = JSON.stringify(redactMedia(body))
    expect(out).toContain('what is in this image?')
    expect(out).toContain('data:image/png;base64,[redacted image/png base64, 5000 chars]')
    expect(out).toContain('[redacted base64, 100 chars]')
    expect(out).toContain('[redacted base64, 300 chars]')
    expect(out).not.toContain('QUJDQUJD')
  })

  it('summarises float embeddings', () => {
    expect(redactMedia({ data: [{ embedding: [0.1, 0.2, 0.3] }] })).toEqual({ data: [{ embedding: '[embedding, 3 floats]' }] })
  })

  it('caps by UTF-8 bytes without a broken character', () => {
    expect(capText('héllo wörld', 4)).toEqual({ text: 'hél', bytes: 13, truncated: true })
    expect(capText('héllo', 2)).toEqual({ text: 'h', bytes: 6, truncated: true })
    expect(capText('abc', 10)).toEqual({ text: 'abc', bytes: 3, truncated: false })
  })

  it('stores a complete JSON response redacted, a partial one as capped text', () => {
    const res = storedResponse(JSON.stringify({ data: [{ embedding: b64(400) }] }), true, 420, 1000)
    expect(res.text).toContain('[redacted base64, 400 chars]')
    expect(res.truncated).toBe(false)
    const partial = storedResponse(`data: {"x":"${b64(600)}"`, false, 9000, 100)
    expect(partial.truncated).toBe(true)
    expect(partial.text).toContain('[redacted base64, 600 chars]')
    expect(storedJson(undefined, 10).text).toBeNull()
  })

  it('a body is stored as is exactly when redaction would not change it', () => {
    // strings near every rule's edges: data URLs, base64 runs around 64 and 256 chars, binary keys, float embeddings
    const str = fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.integer({ min: 50, max: 300 }).map(b64),
      fc.integer({ min: 0, max: 80 }).map((n) => `data:image/png;base64,${b64(n)}`),
      fc.integer({ min: 60, max: 270 }).map((n) => `${b64(n - 1)}!`)
    )
    const key = fc.constantFrom('text', 'data', 'b64_json', 'embedding', 'content', 'url')
    const { tree } = fc.letrec((tie) => ({
      tree: fc.oneof({ depthSize: 'small' }, str, fc.double({ noNaN: true }), fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { maxLength: 3 }), fc.array(tie('tree'), { maxLength: 3 }), fc.dictionary(key, tie('tree'), { maxKeys: 3 }))
    }))
    fc.assert(
      fc.property(tree, (v) => {
        const before = JSON.stringify(v)
        expect(holdsMedia(v)).toBe(JSON.stringify(redactMedia(v)) !== before)
        // the stored text is what the full redaction gives, with or without the shortcut
        expect(storedJson(v, 1 << 20).text).toBe(JSON.stringify(redactMedia(v)))
      }),
      { numRuns: 500 }
    )
  })
})
