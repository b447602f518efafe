/**
 * What a sampled end-of-generation token does to a generation. Pure.
 * - Without `ignore_eos`, or under a grammar (whose end token means the structure is complete), it
 *   ends the answer: `stop`.
 * - With `ignore_eos` it is skipped, so the answer still reaches its `max_tokens` (llama.cpp's server
 *   bans end tokens instead; node-llama-cpp's token bias refuses to). A skipped token still takes a
 *   place in the context, and a model that keeps sampling end tokens must not run on forever: past
 *   `maxTokens` skips, or once the tokens sampled fill the context's room, the answer ends: `length`.
 */
export interface EndTokenState {
  ignoreEos: boolean
  /** A grammar constrains the answer. */
  constrained: boolean
  /** End tokens skipped before this one. */
  skipped: number
  /** Tokens sampled so far, this one included (skipped end tokens too). */
  sampled: number
  maxTokens: number
  /** Tokens the context holds after the prompt. */
  room: number
}

export function endTokenAction(s: EndTokenState): 'skip' | 'length' | 'stop' {
  if (!s.ignoreEos || s.constrained) return 'stop'
  return s.skipped < s.maxTokens && s.sampled < s.room ? 'skip' : 'length'
}
