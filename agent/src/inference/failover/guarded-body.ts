/**
 * The body of a forwarded response, ended cleanly when it breaks after its head (the peer died or was
 * declared dead, its stream reset). Nothing can move to another node once bytes are out, so:
 * - an event stream gets one last OpenAI error event (`stream_failed`), as a local generation that
 *   fails mid-stream does, then the failure is raised so history records the request as failed;
 * - any other body raises `stream_failed` (sendServed turns it into a 502: nothing was sent yet).
 */
import { AgentError } from '../../errors/errors.js'
import { renderError } from '../../errors/render.js'
import { onBodyEnd, sseData } from '../http-result.js'

/** A forwarded response that broke after its head. */
export class StreamBrokenError extends AgentError {
  constructor(message: string, cause?: unknown) {
    super('stream_failed', message, { cause })
  }
}

const decoder = new TextDecoder()

/** `body` guarded; `onEnd` runs once however its reading ends (also when closed before the first read). */
export function guardedBody(body: AsyncIterable<Uint8Array>, contentType: string, onEnd: () => void): AsyncIterable<Uint8Array | string> {
  return onBodyEnd(guarded(body, contentType), onEnd)
}

async function* guarded(body: AsyncIterable<Uint8Array>, contentType: string): AsyncGenerator<Uint8Array | string> {
  const sse = contentType.includes('text/event-stream')
  // whether the last chunk closed its event: a frame split mid-event gets a separator first
  let atBoundary = true
  try {
    for await (const chunk of body) {
      if (chunk.byteLength > 0 && sse) atBoundary = decoder.decode(chunk.subarray(-2)) === '\n\n'
      yield chunk
    }
  } catch (err) {
    const broken = new StreamBrokenError(`the forwarded response broke: ${(err as Error).message ?? String(err)}`, err)
    if (sse) yield (atBoundary ? '' : '\n\n') + sseData(renderError(broken).body)
    throw broken
  }
}
