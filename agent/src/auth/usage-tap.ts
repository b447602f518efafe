/**
 * Reads token usage out of an inference answer as it streams past, without buffering it: both the
 * JSON answer and the SSE stream end with an OpenAI `usage` object (`prompt_tokens`,
 * `completion_tokens`), whether the answer was produced here or by a peer. Only a small tail of the
 * bytes is kept. Used to charge tokens/min limits at the ingress node.
 */
import { onBodyEnd } from '../inference/http-result.js'

/** Bytes of the answer's tail scanned for the usage object. */
const TAIL_BYTES = 4096
const USAGE_RE = /"usage"\s*:\s*\{[^{}]*?"prompt_tokens"\s*:\s*(\d+)(?:[^{}]*?"completion_tokens"\s*:\s*(\d+))?/g

/** Prompt + completion tokens of the last usage object in `text`, or undefined. */
export function usageTokens(text: string): number | undefined {
  let last: RegExpExecArray | undefined
  for (const m of text.matchAll(USAGE_RE)) last = m
  if (!last) return undefined
  return Number(last[1]) + Number(last[2] ?? 0)
}

/** Passes `body` through unchanged; calls `onEnd(tokens)` once when it ends (tokens undefined if none seen). */
export function tapUsage(body: AsyncIterable<string | Uint8Array>, onEnd: (tokens: number | undefined) => void): AsyncIterable<string | Uint8Array> {
  const seen = { tail: '' }
  return onBodyEnd(scan(body, seen), () => onEnd(usageTokens(seen.tail)))
}

async function* scan(body: AsyncIterable<string | Uint8Array>, seen: { tail: string }): AsyncGenerator<string | Uint8Array> {
  const dec = new TextDecoder()
  for await (const chunk of body) {
    seen.tail = (seen.tail + (typeof chunk === 'string' ? chunk : dec.decode(chunk, { stream: true }))).slice(-TAIL_BYTES)
    yield chunk
  }
}
