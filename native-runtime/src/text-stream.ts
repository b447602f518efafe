/**
 * Turns generated tokens into streamed text: whole UTF-8 characters only, and stop strings cut out before
 * they are ever emitted. Pure (the detokenizer is injected), so it is unit-tested without llama.cpp.
 */

/** Detokenizes `tokens`; `lastTokens` are the tokens right before them (for leading-space rules). */
export type Detokenize = (tokens: readonly number[], lastTokens: readonly number[]) => string

/** A piece of text and the number of generated tokens it accounts for. */
export interface TextPiece {
  text: string
  tokens: number
}

/**
 * Most tokens held while their text ends in U+FFFD. A real character needs at most 4 byte tokens; a longer
 * run is genuinely invalid bytes, emitted as U+FFFD so a broken model cannot stall the stream.
 */
const MAX_WINDOW_TOKENS = 16
/** Tokens of history given to the detokenizer as `lastTokens`. */
const CONTEXT_TOKENS = 8
const REPLACEMENT = '\uFFFD'

/**
 * Small models write characters as several byte tokens (`ü` = `<0xC3><0xBC>`), and detokenizing an
 * incomplete UTF-8 sequence gives U+FFFD. The decoder keeps a window of tokens since the last clean
 * boundary and re-detokenizes it as a whole on each token; it emits the window's text except a trailing
 * run of U+FFFD, which may still become a character. Decoding a byte string is prefix-stable apart from
 * that incomplete tail, so emitted text is never taken back. When the window's text ends cleanly, its
 * tokens move to the history (the detokenizer's `lastTokens`, which node-llama-cpp uses by diffing
 * against their own text — so the history must end on a character boundary).
 */
export class Utf8TokenDecoder {
  private window: number[] = []
  private emitted = 0
  private history: number[]

  /** @param contextTokens tokens before the first generated one (the prompt's tail). */
  constructor(
    private readonly detokenize: Detokenize,
    contextTokens: readonly number[] = []
  ) {
    this.history = contextTokens.slice(-CONTEXT_TOKENS)
  }

  /**
   * Adds one token; returns the text that is now final (possibly empty). `tokens` is the number of tokens
   * whose text is now complete: 0 while any text of the window is held back, then the whole window.
   */
  push(token: number): TextPiece {
    this.window.push(token)
    const text = this.detokenize(this.window, this.history)
    let end = text.length
    while (end > 0 && text[end - 1] === REPLACEMENT) end--
    if (end === text.length || this.window.length >= MAX_WINDOW_TOKENS) return this.commit(text)
    const out = text.slice(this.emitted, Math.max(end, this.emitted))
    this.emitted = Math.max(end, this.emitted)
    return { text: out, tokens: 0 }
  }

  /** Returns whatever is still held back (end of generation). */
  flush(): TextPiece {
    if (this.window.length === 0) return { text: '', tokens: 0 }
    return this.commit(this.detokenize(this.window, this.history))
  }

  private commit(text: string): TextPiece {
    const piece = { text: text.slice(this.emitted), tokens: this.window.length }
    this.history = [...this.history, ...this.window].slice(-CONTEXT_TOKENS)
    this.window = []
    this.emitted = 0
    return piece
  }
}

/** Result of {@link StopStringFilter.push}. */
export interface FilteredPiece extends TextPiece {
  /** A stop string was found: `text` is everything before it and generation must end. */
  stopped: boolean
}

/**
 * Cuts generation at the first stop string, which is never emitted. While streaming, text that could be
 * the start of a stop string is held back until it either completes the stop string or cannot anymore.
 * Token counts follow the text: a chunk reports the tokens it covers, keeping one back while text is held.
 */
export class StopStringFilter {
  private readonly stops: string[]
  private held = ''
  private heldTokens = 0

  constructor(stops: readonly string[] = []) {
    this.stops = stops.filter((s) => s.length > 0)
  }

  /** Adds text (covering `tokens` tokens); returns what can be emitted now. */
  push(text: string, tokens: number): FilteredPiece {
    this.held += text
    this.heldTokens += tokens
    const at = this.firstStop()
    if (at >= 0) {
      const out = { text: this.held.slice(0, at), tokens: this.heldTokens, stopped: true }
      this.held = ''
      this.heldTokens = 0
      return out
    }
    const keep = this.partialStopLength()
    const emit = this.held.slice(0, this.held.length - keep)
    if (emit.length === 0) return { text: '', tokens: 0, stopped: false }
    // held text belongs (at least partly) to the newest token, so that one stays with it
    const emitTokens = keep > 0 ? Math.max(0, this.heldTokens - 1) : this.heldTokens
    this.held = this.held.slice(emit.length)
    this.heldTokens -= emitTokens
    return { text: emit, tokens: emitTokens, stopped: false }
  }

  /** End of generation without a stop string: everything held back is text after all. */
  flush(): TextPiece {
    const out = { text: this.held, tokens: this.heldTokens }
    this.held = ''
    this.heldTokens = 0
    return out
  }

  private firstStop(): number {
    let first = -1
    for (const s of this.stops) {
      const i = this.held.indexOf(s)
      if (i >= 0 && (first < 0 || i < first)) first = i
    }
    return first
  }

  /** Length of the longest suffix of the held text that is a proper prefix of some stop string. */
  private partialStopLength(): number {
    let best = 0
    for (const s of this.stops) {
      for (let n = Math.min(s.length - 1, this.held.length); n > best; n--) {
        if (this.held.endsWith(s.slice(0, n))) {
          best = n
          break
        }
      }
    }
    return best
  }
}
