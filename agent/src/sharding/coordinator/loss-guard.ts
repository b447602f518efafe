/**
 * A split model's answer stream, watched for the loss of a worker. When a worker dies mid-stream,
 * llama-server does not say so: it may emit an unrelated error event (a chat-format parse failure of the
 * broken output) or drop the connection. An error event or a broken body is therefore held for a moment
 * while the placement's end is awaited; when the placement did end, the client gets one clear error that
 * names the loss instead.
 */
import { SSE_DONE, sseData } from '../../inference/http-result.js'

/** How long an error in a split model's stream waits for the placement's end to explain it (ms). */
export const LOSS_GRACE_MS = 10_000

/** The reason the placement ended, or undefined when it has not within the grace period. */
async function lossWithin(ended: Promise<string>, ms: number): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms)
  })
  try {
    return await Promise.race([ended, late])
  } finally {
    clearTimeout(timer)
  }
}

function isErrorEvent(chunk: string | Uint8Array): boolean {
  const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')
  if (!text.startsWith('data: {')) return false
  try {
    const v = JSON.parse(text.slice(6)) as Record<string, unknown>
    return typeof v === 'object' && v !== null && 'error' in v
  } catch {
    return false
  }
}

const lossEvent = (model: string, why: string): string =>
  sseData({ error: { message: `Model '${model}' lost a worker mid-stream (${why}); it is being placed again: retry shortly`, type: 'server_error', param: null, code: 'shard_not_ready' } })

export async function* guardLoss(body: AsyncIterable<string | Uint8Array>, model: string, ended: Promise<string>, graceMs = LOSS_GRACE_MS): AsyncGenerator<string | Uint8Array> {
  try {
    for await (const chunk of body) {
      if (isErrorEvent(chunk)) {
        const why = await lossWithin(ended, graceMs)
        if (why) {
          yield lossEvent(model, why)
          yield SSE_DONE
          return
        }
      }
      yield chunk
    }
  } catch (err) {
    const why = await lossWithin(ended, graceMs)
    if (!why) throw err
    yield lossEvent(model, why)
    yield SSE_DONE
  }
}
