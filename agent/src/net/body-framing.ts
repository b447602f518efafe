/**
 * How an HTTP/1.1 answer's body ends (RFC 9112 §6.3), for the bulk client: a Content-Length, chunked
 * transfer coding, or the connection's close. `take` turns what one read brought into the body's bytes
 * (views into the piece, no copy) and says when the body is complete. Pure.
 */

export interface BodyFraming {
  /** The body bytes in `piece` (views into it), in order. */
  take(piece: Buffer): Buffer[]
  /** The whole body has been taken. */
  readonly done: boolean
  /** Whether the connection's close ends the body (rather than cutting it short). */
  readonly endsAtClose: boolean
  /** The body is the bytes as they come, from the first on (no coding): `take` gives at most one slice, at the piece's start. */
  readonly raw: boolean
  /** Set when the bytes are not valid for this framing. */
  readonly error: string | undefined
}

class FixedLength implements BodyFraming {
  readonly endsAtClose = false
  readonly raw = true
  readonly error = undefined
  constructor(private remaining: number) {}
  get done(): boolean {
    return this.remaining === 0
  }
  take(piece: Buffer): Buffer[] {
    const body = piece.subarray(0, this.remaining)
    this.remaining -= body.length
    return body.length > 0 ? [body] : []
  }
}

class UntilClose implements BodyFraming {
  readonly done = false
  readonly endsAtClose = true
  readonly raw = true
  readonly error = undefined
  take(piece: Buffer): Buffer[] {
    return piece.length > 0 ? [piece] : []
  }
}

/** Longest chunk-size or trailer line accepted (a chunk extension included). */
const MAX_LINE = 4096

class Chunked implements BodyFraming {
  readonly endsAtClose = false
  readonly raw = false
  error: string | undefined
  done = false
  private state: 'size' | 'data' | 'data-end' | 'trailer' = 'size'
  private line = ''
  private left = 0

  take(piece: Buffer): Buffer[] {
    const out: Buffer[] = []
    let i = 0
    while (i < piece.length && !this.done && !this.error) {
      if (this.state === 'data') {
        const body = piece.subarray(i, i + this.left)
        out.push(body)
        this.left -= body.length
        i += body.length
        if (this.left === 0) this.state = 'data-end'
        continue
      }
      // a line: the chunk's size, the CRLF after its data, or a trailer field
      const nl = piece.indexOf(10, i)
      this.line += piece.toString('latin1', i, nl < 0 ? piece.length : nl + 1)
      i = nl < 0 ? piece.length : nl + 1
      if (nl < 0) {
        if (this.line.length > MAX_LINE) this.error = 'a chunk line over 4 KiB'
        continue
      }
      const line = this.line.replace(/\r?\n$/, '')
      this.line = ''
      this.onLine(line)
    }
    return out
  }

  private onLine(line: string): void {
    if (this.state === 'data-end') {
      if (line !== '') this.error = 'chunk data longer than its size'
      this.state = 'size'
    } else if (this.state === 'trailer') {
      if (line === '') this.done = true
    } else {
      const m = /^([0-9a-fA-F]{1,12})[ \t]*(?:;.*)?$/.exec(line)
      if (!m) {
        this.error = `a malformed chunk size: ${JSON.stringify(line.slice(0, 20))}`
        return
      }
      this.left = parseInt(m[1] as string, 16)
      this.state = this.left === 0 ? 'trailer' : 'data'
    }
  }
}

/**
 * The framing of an answer to a GET from its status and headers; a string when the headers
 * contradict each other or name a coding this client does not decode.
 */
export function bodyFraming(status: number, headers: Record<string, string | string[]>): BodyFraming | string {
  if (status === 204 || status === 304) return new FixedLength(0)
  const te = headers['transfer-encoding']
  if (te !== undefined) {
    const codings = (Array.isArray(te) ? te.join(',') : te).split(',').map((c) => c.trim().toLowerCase())
    if (codings.length !== 1 || codings[0] !== 'chunked') return `transfer coding ${JSON.stringify(codings.join(', '))} is not supported`
    return new Chunked()
  }
  const len = headers['content-length']
  if (len === undefined) return new UntilClose()
  const values = new Set((Array.isArray(len) ? len.join(',') : len).split(',').map((v) => v.trim()))
  const [only] = values
  if (values.size !== 1 || only === undefined || !/^\d{1,15}$/.test(only)) return `an invalid content-length ${JSON.stringify(len)}`
  return new FixedLength(Number(only))
}
