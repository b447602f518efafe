/**
 * A GET whose body goes straight from undici's dispatch handler to a sink: no Readable stream and no
 * async iteration between the socket and the consumer, which is most of the CPU a large download
 * costs through `request()` (a 440 MB file: see specs/benchmarks.md, pull). Through the same guarded
 * dispatcher as every outbound call, so each hop's connection is checked by the address policy.
 */
import type { Dispatcher } from 'undici'
import { OutboundFailedError } from './outbound-errors.js'
import { outboundError, parseHttpUrl, redirectHop, type OutboundInit } from './outbound.js'

/** Takes one piece of the body (valid after the call: undici hands out fresh buffers); a promise pauses the connection until it settles. */
export type ChunkSink = (chunk: Buffer) => Promise<void> | undefined

export interface ReceivedHead {
  status: number
  headers: Record<string, string | string[] | undefined>
  /** The URL that answered (after redirects). */
  url: string
}

/** Decides at the final answer's head: a sink for its body, or undefined to drop it. */
export type HeadHandler = (head: ReceivedHead) => ChunkSink | undefined | Promise<ChunkSink | undefined>

export interface Received {
  head: ReceivedHead
  /** Body bytes handed to the sink (0 when dropped). */
  bytes: number
}

/** Marks an answer dropped on purpose (a redirect, or the head handler's choice): not an error. */
const DROPPED = new Error('dropped')

/** Follows redirects (at most `maxRedirects`, each hop a new guarded connection) to the final answer. */
export async function receive(dispatcher: Dispatcher, url: string, init: OutboundInit, maxRedirects: number, onHead: HeadHandler): Promise<Received> {
  let current = url
  let method = init.method ?? 'GET'
  for (let hop = 0; ; hop++) {
    const u = parseHttpUrl(current)
    let next: ReturnType<typeof redirectHop>
    const got = await once(dispatcher, u, method, init, (head) => {
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

/** One request on the dispatcher; resolves once the body was consumed (or dropped). */
function once(dispatcher: Dispatcher, u: URL, method: string, init: OutboundInit, onHead: HeadHandler): Promise<Received> {
  return new Promise<Received>((resolve, reject) => {
    init.signal?.throwIfAborted()
    let controller: Dispatcher.DispatchController | undefined
    let head: ReceivedHead | undefined
    let sink: ChunkSink | undefined
    let bytes = 0
    // work the sink has not finished: later pieces wait behind it, the end waits for all of it
    let pending: Promise<void> | undefined
    let ended = false
    let settled = false
    const fail = (err: unknown): void => {
      if (settled) return
      settled = true
      init.signal?.removeEventListener('abort', onAbort)
      if (err === DROPPED && head) resolve({ head, bytes: 0 })
      else reject(err)
    }
    const finish = (): void => {
      if (settled || !head) return
      settled = true
      init.signal?.removeEventListener('abort', onAbort)
      resolve({ head, bytes })
    }
    const onAbort = (): void => {
      const reason = init.signal?.reason instanceof Error ? init.signal.reason : new Error('aborted')
      if (controller && !controller.aborted) controller.abort(reason)
      fail(reason)
    }
    init.signal?.addEventListener('abort', onAbort, { once: true })
    // waits on `p` with the connection paused; resumes (or ends) once nothing is pending any more
    const wait = (c: Dispatcher.DispatchController, p: Promise<void>): void => {
      c.pause()
      pending = p
      p.then(
        () => {
          if (pending !== p) return
          pending = undefined
          if (ended) finish()
          else c.resume()
        },
        (err: unknown) => {
          if (!c.aborted) c.abort(err as Error)
          fail(err)
        }
      )
    }
    const take = (c: Dispatcher.DispatchController, chunk: Buffer): void => {
      if (settled) return
      bytes += chunk.length
      if (pending) return wait(c, pending.then(() => (sink as ChunkSink)(chunk)))
      let w: Promise<void> | undefined
      try {
        w = (sink as ChunkSink)(chunk)
      } catch (err) {
        c.abort(err as Error)
        return fail(err)
      }
      if (w) wait(c, w)
    }
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c
        if (init.signal?.aborted) c.abort(init.signal.reason instanceof Error ? init.signal.reason : new Error('aborted'))
      },
      onResponseStart(c, statusCode, headers) {
        head = { status: statusCode, headers, url: u.toString() }
        let chosen: ReturnType<HeadHandler>
        try {
          chosen = onHead(head)
        } catch (err) {
          c.abort(err as Error)
          return fail(err)
        }
        if (chosen instanceof Promise) {
          wait(
            c,
            chosen.then((s) => {
              if (!s) throw DROPPED
              sink = s
            })
          )
        } else if (chosen) sink = chosen
        else {
          c.abort(DROPPED)
          fail(DROPPED)
        }
      },
      onResponseData(c, chunk) {
        take(c, chunk)
      },
      onResponseEnd() {
        ended = true
        if (!pending) finish()
      },
      onResponseError(_c, err) {
        fail(err)
      }
    }
    dispatcher.dispatch({ origin: u.origin, path: `${u.pathname}${u.search}`, method: method as Dispatcher.HttpMethod, headers: init.headers, body: init.body }, handler)
  })
}
