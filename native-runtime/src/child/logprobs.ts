/**
 * Log-probabilities of generated tokens, OpenAI-style: the chosen token's and the `top` most likely
 * alternatives at its position, from the probabilities llama.cpp's sampler computed for that step.
 */
import type { Token } from 'node-llama-cpp'
import type { TokenLogprob } from '../interfaces.js'

type Alternative = TokenLogprob['top'][number]

/** The `k` most probable entries of a token → probability map, most probable first. */
export function topEntries(probabilities: ReadonlyMap<number, number>, k: number): [number, number][] {
  const top: [number, number][] = []
  if (k <= 0) return top
  for (const entry of probabilities) {
    if (top.length === k && entry[1] <= (top[k - 1] as [number, number])[1]) continue
    let i = top.length
    while (i > 0 && (top[i - 1] as [number, number])[1] < entry[1]) i--
    top.splice(i, 0, entry)
    if (top.length > k) top.pop()
  }
  return top
}

/** log(p), with the -9999 OpenAI uses for "impossible" instead of -Infinity (JSON has no infinities). */
const logOf = (p: number): number => (p > 0 ? Math.log(p) : -9999)

/** Builds a token's logprob entry; `text` turns one token into its text. */
export function tokenLogprob(token: Token, probability: number, probabilities: ReadonlyMap<number, number> | undefined, k: number, text: (t: Token) => string): TokenLogprob {
  const alt = (t: Token, p: number): Alternative => {
    const s = text(t)
    return { token: s, logprob: logOf(p), bytes: [...Buffer.from(s, 'utf8')] }
  }
  return { ...alt(token, probability), top: probabilities === undefined ? [] : topEntries(probabilities, k).map(([t, p]) => alt(t as Token, p)) }
}
