/**
 * Separates a thinking segment (`<think>…</think>`, as DeepSeek-R1, QwQ and Qwen3 write it) from the
 * answer while the text streams, holding back text that may be the start of either tag.
 */

export type ReasoningSegment = { type: 'text' | 'reasoning'; text: string }

const OPEN = '<think>'
const CLOSE = '</think>'

/** Streaming splitter; `startInside` when the prompt already opened the thinking segment. */
export class ReasoningSplitter {
  private buf = ''
  private inside: boolean
  /** The answer has begun: a later `<think>` is ordinary text. */
  private answered = false
  /** Whitespace right after a tag is layout, not content: dropped until other text arrives. */
  private trimming = false

  constructor(startInside = false) {
    this.inside = startInside
    this.trimming = startInside
  }

  push(text: string): ReasoningSegment[] {
    this.buf += text
    if (this.trimming) {
      this.buf = this.buf.replace(/^\s+/, '')
      if (this.buf === '') return []
      this.trimming = false
    }
    const out: ReasoningSegment[] = []
    for (;;) {
      const marker = this.inside ? CLOSE : this.answered ? null : OPEN
      if (marker === null) {
        this.emit(out, this.buf)
        this.buf = ''
        return out
      }
      if (!this.inside && !this.answered && this.buf.trim() !== '' && !OPEN.startsWith(this.buf.trimStart().slice(0, OPEN.length))) {
        // the answer starts with something other than <think>: no thinking segment
        this.answered = true
        continue
      }
      const at = this.buf.indexOf(marker)
      if (at < 0) {
        let keep = 0
        for (let n = Math.min(marker.length - 1, this.buf.length); n > 0 && keep === 0; n--) if (marker.startsWith(this.buf.slice(-n))) keep = n
        if (this.inside) this.emit(out, this.buf.slice(0, this.buf.length - keep))
        this.buf = this.inside ? this.buf.slice(this.buf.length - keep) : this.buf
        return out
      }
      if (this.inside) {
        this.emit(out, this.buf.slice(0, at))
        this.inside = false
        this.answered = true
        this.buf = this.buf.slice(at + CLOSE.length).replace(/^\s+/, '')
      } else {
        this.inside = true
        this.buf = this.buf.slice(at + OPEN.length).replace(/^\s+/, '')
      }
      this.trimming = this.buf === ''
    }
  }

  flush(): ReasoningSegment[] {
    const out: ReasoningSegment[] = []
    this.emit(out, this.buf)
    this.buf = ''
    return out
  }

  private emit(out: ReasoningSegment[], text: string): void {
    if (text !== '') out.push({ type: this.inside ? 'reasoning' : 'text', text })
  }
}
