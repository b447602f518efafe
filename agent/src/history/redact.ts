/**
 * What of a body history keeps: base64 media (data URLs of images/audio, `input_audio.data`,
 * `b64_json`, base64 embeddings, any long base64 run) is replaced by a marker with its size, then the
 * text is capped. Pure; applied to request bodies and to JSON response bodies before storing.
 */

/** Strings at least this long that are pure base64 are treated as media. */
export const MIN_BASE64_CHARS = 256

const DATA_URL = /^data:([\w.+-]+\/[\w.+-]+)?((?:;[\w.+-]+=[^;,]*)*);base64,/i
const BASE64 = /^[A-Za-z0-9+/=\r\n_-]+$/
/** Keys whose string value is always binary data. */
const BINARY_KEYS = new Set(['b64_json', 'data', 'audio', 'image', 'embedding'])

/** The marker that replaces a base64 payload. */
export const redactedMarker = (chars: number, mime?: string): string => `[redacted ${mime ? `${mime} ` : ''}base64, ${chars} chars]`

/** Whether `redactString` would change `s` (the short strings of a plain request never can). */
function isMedia(s: string, key: string | undefined): boolean {
  if (s.length < 64) return s.length > 5 && DATA_URL.test(s)
  return DATA_URL.test(s) || ((s.length >= MIN_BASE64_CHARS || (key !== undefined && BINARY_KEYS.has(key))) && BASE64.test(s))
}

/** Whether `redactMedia(value)` would differ from `value`: a walk without copies, so a body without media is stored as is. */
export function holdsMedia(value: unknown, key?: string): boolean {
  if (typeof value === 'string') return isMedia(value, key)
  if (Array.isArray(value)) {
    if (key === 'embedding' && value.every((v) => typeof v === 'number')) return true
    return value.some((v) => holdsMedia(v, key))
  }
  if (typeof value === 'object' && value !== null) {
    for (const k in value) if (Object.hasOwn(value, k) && holdsMedia((value as Record<string, unknown>)[k], k)) return true
  }
  return false
}

/** `redactMedia(value)`, without the copy when there is nothing to redact. */
const redacted = (value: unknown): unknown => (holdsMedia(value) ? redactMedia(value) : value)

function redactString(s: string, key: string | undefined): string {
  const m = DATA_URL.exec(s)
  if (m) return `data:${m[1] ?? ''};base64,${redactedMarker(s.length - m[0].length, m[1])}`
  if (s.length >= MIN_BASE64_CHARS && BASE64.test(s)) return redactedMarker(s.length)
  if (key !== undefined && BINARY_KEYS.has(key) && s.length >= 64 && BASE64.test(s)) return redactedMarker(s.length)
  return s
}

/** A deep copy of `value` with base64 media replaced by markers. */
export function redactMedia(value: unknown, key?: string): unknown {
  if (typeof value === 'string') return redactString(value, key)
  // float embeddings are not media, but thousands of numbers say nothing in a history view
  if (Array.isArray(value) && key === 'embedding' && value.every((v) => typeof v === 'number')) return `[embedding, ${value.length} floats]`
  if (Array.isArray(value)) return value.map((v) => redactMedia(v, key))
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(value)) out[k] = redactMedia(v, k)
    return out
  }
  return value
}

/** `text` cut to at most `maxBytes` UTF-8 bytes. */
export function capText(text: string, maxBytes: number): { text: string; bytes: number; truncated: boolean } {
  const buf = Buffer.from(text, 'utf8')
  if (buf.length <= maxBytes) return { text, bytes: buf.length, truncated: false }
  // a cut inside a multi-byte character decodes to U+FFFD; drop it
  return { text: buf.subarray(0, maxBytes).toString('utf8').replace(/\uFFFD$/, ''), bytes: buf.length, truncated: true }
}

/** A parsed request body as stored: redacted JSON, capped. */
export function storedJson(value: unknown, maxBytes: number): { text: string | null; bytes: number; truncated: boolean } {
  if (value === undefined) return { text: null, bytes: 0, truncated: false }
  return capText(JSON.stringify(redacted(value)), maxBytes)
}

/**
 * A raw response body as stored. A complete JSON body is parsed and redacted; anything else (SSE, a
 * body already over the cap) is kept as text with long base64 runs replaced.
 */
export function storedResponse(raw: string, complete: boolean, totalBytes: number, maxBytes: number): { text: string; bytes: number; truncated: boolean } {
  if (complete) {
    try {
      return { ...capText(JSON.stringify(redacted(JSON.parse(raw))), maxBytes), bytes: totalBytes }
    } catch {
      // not JSON (SSE): fall through
    }
  }
  const text = raw.replace(/[A-Za-z0-9+/=]{256,}/g, (run) => redactedMarker(run.length))
  const capped = capText(text, maxBytes)
  return { text: capped.text, bytes: totalBytes, truncated: capped.truncated || !complete }
}
