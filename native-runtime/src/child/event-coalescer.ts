/**
 * Coalesces a generation's text events before they cross the IPC channel. One IPC message per token
 * costs the child a JSON serialisation and a pipe write between decode steps, which at thousands of
 * tokens/s slows generation itself. The first text goes out at once (time to first token); later text
 * is merged for at most TEXT_FLUSH_MS; any other event (end, error, tool call) and text of another
 * channel (reasoning vs answer) flush pending text first, so order is kept.
 */
import { TEXT_FLUSH_MS } from '../constants.js'

type TextEvent = { type: 'text'; text: string; tokens: number; channel?: 'reasoning'; logprobs?: unknown[] }
export type CoalescableEvent = TextEvent | { type: string }

export function coalesceText<E extends CoalescableEvent>(send: (event: E) => void, flushMs: number = TEXT_FLUSH_MS): { emit: (event: E) => void; flush: () => void } {
  let pending: TextEvent | undefined
  let timer: NodeJS.Timeout | undefined
  let sentText = false
  const flush = (): void => {
    if (timer) clearTimeout(timer)
    timer = undefined
    if (!pending) return
    const p = pending
    pending = undefined
    send(p as E)
  }
  const emit = (event: E): void => {
    if (event.type !== 'text') {
      flush()
      send(event)
      return
    }
    const t = event as TextEvent
    if (pending && pending.channel !== t.channel) flush()
    if (!sentText) {
      sentText = true
      send(event)
      return
    }
    if (pending) {
      pending.text += t.text
      pending.tokens += t.tokens
      if (t.logprobs) pending.logprobs = [...(pending.logprobs ?? []), ...t.logprobs]
    } else {
      pending = { ...t }
      timer = setTimeout(flush, flushMs)
    }
  }
  return { emit, flush }
}
