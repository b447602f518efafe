/**
 * A GET whose body goes straight to a sink, piece by piece: no Readable stream and no async iteration
 * between the socket and the consumer (a 455 MB file: see specs/benchmarks.md, pull). Each hop is one
 * exchange on the bulk client (bulk-get.ts), whose connections go through the same guard as undici's,
 * so each hop's connection is checked by the address policy.
 */
import { OutboundFailedError } from './outbound-errors.js'
import { outboundError, parseHttpUrl, redirectHop, type OutboundInit } from './outbound.js'

/**
 * Takes one piece of the body. The piece is valid during the call only (the bulk client reads the
 * next piece into the same memory): keep a copy, not the buffer. A promise pauses the connection
 * until it settles.
 */
export type ChunkSink = (chunk: Buffer) => Promise<void> | undefined

/**
 * A sink the connection reads straight into, with no copy in user space: `space()` is where the next
 * bytes land (never empty), `filled(n)` says that `n` bytes did. A promise from `filled` pauses the
 * connection until it settles, and `space()` asked while it is pending names where the bytes go once
 * it has: nothing is read in between.
 */
export interface DirectSink {
  space(): Buffer
  filled(n: number): Promise<void> | undefined
}

/** Where a body goes: pieces handed over, or reads straight into the sink's memory. */
export type BodySink = ChunkSink | DirectSink

/** A direct sink fed with pieces (a framing that is not the bytes as they come, such as chunked): each piece is copied in. */
export function copyingInto(d: DirectSink): ChunkSink {
  return (chunk) => {
    let off = 0
    const step = (): Promise<void> | undefined => {
      while (off < chunk.length) {
        const n = chunk.copy(d.space(), 0, off)
        off += n
        const w = d.filled(n)
        // the piece stays valid: the connection is paused on the promise this returns
        if (w) return w.then(step)
      }
      return undefined
    }
    return step()
  }
}

export interface ReceivedHead {
  status: number
  headers: Record<string, string | string[] | undefined>
  /** The URL that answered (after redirects). */
  url: string
}

/** Decides at the final answer's head: a sink for its body, or undefined to drop it. */
export type HeadHandler = (head: ReceivedHead) => BodySink | undefined | Promise<BodySink | undefined>

export interface Received {
  head: ReceivedHead
  /** Body bytes handed to the sink (0 when dropped). */
  bytes: number
}

/** One request's exchange: resolves once the body was consumed (or dropped). */
export type ReceiveOnce = (u: URL, method: string, init: OutboundInit, onHead: HeadHandler) => Promise<Received>

/**
 * Follows redirects (at most `maxRedirects`, each hop a new guarded connection) to the final answer;
 * each hop is one `once` exchange (the bulk client's, else undici's).
 */
export async function receive(once: ReceiveOnce, url: string, init: OutboundInit, maxRedirects: number, onHead: HeadHandler): Promise<Received> {
  let current = url
  let method = init.method ?? 'GET'
  for (let hop = 0; ; hop++) {
    const u = parseHttpUrl(current)
    let next: ReturnType<typeof redirectHop>
    const got = await once(u, method, init, (head) => {
      next = redirectHop(head.status, head.headers.location, u, init, method)
      return next ? undefined : onHead(head)
    }).catch((err: unknown) => {
      throw init.signal?.aborted ? err : outboundError(current, err)
    })
    if (!next) return got
    if (hop >= maxRedirects) throw new OutboundFailedError(url, `more than ${maxRedirects} redirects`)
    ;({ init, method } = next)
    current = next.url
  }
}
