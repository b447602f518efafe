/**
 * Prefix affinity. A chat's prompt prefix is hashed at every message boundary (the whole prefix, not
 * only the first message), so a follow-up turn matches the node that served the turns before it and
 * may still hold their KV cache. Each node keeps a bounded, most-recent-first digest of the prefixes
 * it served per model and gossips it compactly (PREFIX_HASH_HEX chars per hash, at most
 * DIGEST_SIZE per model).
 */
import { createHash } from 'node:crypto'

/** Hex characters kept of each hash: 48 bits, collisions negligible at digest sizes. */
export const PREFIX_HASH_HEX = 12
/** Prefix hashes kept (and gossiped) per model. */
export const DIGEST_SIZE = 64
/** Longest chat history hashed (messages); deeper prefixes add little and cost time. */
export const MAX_HASHED_MESSAGES = 32

export interface PrefixMessage {
  role: string
  content: string
}

/**
 * Hashes of every prefix of the conversation, shortest first. `hashes[i]` covers messages 0..i.
 * Text prompts are one "message".
 */
export function prefixHashes(messages: PrefixMessage[]): string[] {
  const out: string[] = []
  const h = createHash('sha256')
  for (const m of messages.slice(0, MAX_HASHED_MESSAGES)) {
    h.update(`${m.role}\u0000${m.content}\u0001`)
    out.push(h.copy().digest('hex').slice(0, PREFIX_HASH_HEX))
  }
  return out
}

/**
 * How much of `hashes` a digest covers: the fraction of the request's prefix levels (0..1) matched by
 * the longest prefix present. 0 when nothing matches.
 */
export function prefixMatch(hashes: string[], digest: readonly string[] | undefined): number {
  if (!digest || digest.length === 0 || hashes.length === 0) return 0
  const set = new Set(digest)
  for (let i = hashes.length - 1; i >= 0; i--) if (set.has(hashes[i] as string)) return (i + 1) / hashes.length
  return 0
}

/** The local digest: most recently served prefixes per model, bounded. */
export class PrefixDigest {
  private readonly byModel = new Map<string, string[]>()

  constructor(private readonly size = DIGEST_SIZE) {}

  /** Records that this node served a request with these prefix hashes (its KV now holds them). */
  record(model: string, hashes: string[]): void {
    if (hashes.length === 0) return
    const list = this.byModel.get(model) ?? []
    // the full prompt and its parents: a later turn can match any of them
    const fresh = hashes.slice(-4).reverse()
    const next = [...fresh, ...list.filter((h) => !fresh.includes(h))].slice(0, this.size)
    this.byModel.set(model, next)
  }

  get(model: string): readonly string[] {
    return this.byModel.get(model) ?? []
  }

  /** The gossiped form. */
  snapshot(): Record<string, string[]> {
    return Object.fromEntries(this.byModel)
  }
}
