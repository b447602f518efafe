import { describe, expect, it } from 'vitest'
import { StopStringFilter, Utf8TokenDecoder } from '../../../native-runtime/src/text-stream.js'

/**
 * A fake vocabulary: token n < 256 is the byte n (like llama's byte-fallback tokens), 1000+ are words, and
 * 1003 is 'a' followed by the first byte of a two-byte character (byte-level BPE has such tokens).
 */
const WORDS: Record<number, string> = { 1000: 'hello', 1001: ' world', 1002: ' END' }
function bytesOf(t: number): Uint8Array {
  if (t === 1003) return Uint8Array.of(0x61, 0xc3)
  return t >= 1000 ? new TextEncoder().encode(WORDS[t] ?? '') : Uint8Array.of(t)
}
const detokenize = (tokens: readonly number[]): string =>
  new TextDecoder().decode(Buffer.concat(tokens.map((t) => Buffer.from(bytesOf(t)))))

/** Runs tokens through decoder + filter the way the child does and returns what would be streamed. */
function stream(tokens: number[], stops: string[] = []): { chunks: string[]; tokens: number; stopped: boolean } {
  const decoder = new Utf8TokenDecoder(detokenize)
  const filter = new StopStringFilter(stops)
  const chunks: string[] = []
  let counted = 0
  for (const t of tokens) {
    const piece = decoder.push(t)
    const out = filter.push(piece.text, piece.tokens)
    if (out.text) chunks.push(out.text)
    counted += out.text ? out.tokens : 0
    if (out.stopped) return { chunks, tokens: counted, stopped: true }
  }
  const last = decoder.flush()
  const out = filter.push(last.text, last.tokens)
  if (out.text) chunks.push(out.text)
  counted += out.text ? out.tokens : 0
  if (out.stopped) return { chunks, tokens: counted, stopped: true }
  const rest = filter.flush()
  if (rest.text) chunks.push(rest.text)
  return { chunks, tokens: counted + rest.tokens, stopped: false }
}

const bytes = (s: string): number[] => [...new TextEncoder().encode(s)]

describe('Utf8TokenDecoder', () => {
  it('never emits part of a multibyte character split over byte tokens', () => {
    const tokens = [1000, ...bytes(' ü€😀'), 1001]
    const { chunks, tokens: n } = stream(tokens)
    expect(chunks.join('')).toBe('hello ü€😀 world')
    for (const c of chunks) expect(c).not.toContain('\uFFFD')
    expect(n).toBe(tokens.length)
  })

  it('emits a character as soon as its last byte arrives', () => {
    const d = new Utf8TokenDecoder(detokenize)
    expect(d.push(0xc3)).toEqual({ text: '', tokens: 0 })
    expect(d.push(0xbc)).toEqual({ text: 'ü', tokens: 2 })
  })

  it('emits the complete part of a token at once and holds only its unfinished character', () => {
    const d = new Utf8TokenDecoder(detokenize)
    expect(d.push(1003)).toEqual({ text: 'a', tokens: 0 })
    expect(d.push(0xbc)).toEqual({ text: 'ü', tokens: 2 })
  })

  it('holds invalid bytes until a character follows, then emits them as U+FFFD with the same grouping as a whole decode', () => {
    const tokens = [0xff, 0xe2, 0xdd, 0xaf, 1000]
    const r = stream(tokens)
    expect(r.chunks.join('')).toBe(detokenize(tokens))
    expect(r.tokens).toBe(tokens.length)
  })

  it('gives up holding after a long run of invalid bytes, and flushes a truncated character at the end', () => {
    const d = new Utf8TokenDecoder(detokenize)
    const pieces = Array.from({ length: 16 }, () => d.push(0xff))
    expect(pieces.slice(0, 15).every((p) => p.text === '' && p.tokens === 0)).toBe(true)
    expect(pieces[15]).toEqual({ text: '\uFFFD'.repeat(16), tokens: 16 })
    d.push(0xe2)
    expect(d.flush()).toEqual({ text: '\uFFFD', tokens: 1 })
  })

  it('matches a whole-sequence decode for random byte soup', () => {
    let seed = 7
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
    for (let round = 0; round < 200; round++) {
      const tokens = Array.from({ length: 30 }, () => (rand() < 0.2 ? 1000 + Math.floor(rand() * 4) : Math.floor(rand() * 256)))
      const r = stream(tokens)
      expect(r.chunks.join('')).toBe(detokenize(tokens))
      expect(r.tokens).toBe(tokens.length)
    }
  })

  it('passes the previous tokens as context to the detokenizer', () => {
    const seen: number[][] = []
    const d = new Utf8TokenDecoder((t, last) => {
      seen.push([...last])
      return detokenize(t)
    }, [7, 8])
    d.push(1000)
    d.push(0xc3) // held: the history must not end inside a character
    d.push(0xbc)
    d.push(1001)
    expect(seen).toEqual([[7, 8], [7, 8, 1000], [7, 8, 1000], [7, 8, 1000, 0xc3, 0xbc]])
  })
})

describe('StopStringFilter', () => {
  it('cuts at a stop string and never emits it, even when it spans tokens', () => {
    const r = stream([1000, ...bytes(' wo'), ...bytes('rld and more')], [' world'])
    expect(r.chunks.join('')).toBe('hello')
    expect(r.stopped).toBe(true)
  })

  it('holds back a possible stop-string prefix and releases it when it does not complete', () => {
    const f = new StopStringFilter(['STOP'])
    expect(f.push('abcST', 1)).toEqual({ text: 'abc', tokens: 0, stopped: false })
    expect(f.push('OX', 1)).toEqual({ text: 'STOX', tokens: 2, stopped: false })
    expect(f.push('ST', 1)).toEqual({ text: '', tokens: 0, stopped: false })
    expect(f.flush()).toEqual({ text: 'ST', tokens: 1 })
  })

  it('stops at the earliest of several stop strings', () => {
    const f = new StopStringFilter(['zz', 'b'])
    expect(f.push('aazzb', 3)).toEqual({ text: 'aa', tokens: 3, stopped: true })
    const g = new StopStringFilter(['zz', 'b'])
    expect(g.push('abzz', 1)).toMatchObject({ text: 'a', stopped: true })
  })

  it('ignores empty stop strings and passes text through without stops', () => {
    const f = new StopStringFilter(['', ''])
    expect(f.push('hello', 2)).toEqual({ text: 'hello', tokens: 2, stopped: false })
  })

  it('accounts every token when the stream ends without a stop', () => {
    const tokens = [1000, 1001, ...bytes(' EN'), 1000]
    const r = stream(tokens, [' END'])
    expect(r.chunks.join('')).toBe('hello world ENhello')
    expect(r.tokens).toBe(tokens.length)
    expect(r.stopped).toBe(false)
  })

  it('stops inside a token that holds both text and the stop string', () => {
    const r = stream([1000, 1002, 1001], ['END'])
    expect(r).toMatchObject({ chunks: ['hello', ' '], stopped: true })
  })
})
