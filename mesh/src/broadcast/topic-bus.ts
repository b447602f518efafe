/**
 * Application gossip topics: the agent declares them up front (gossipsub refuses topics it was not
 * created with), publishes opaque bytes and subscribes handlers. The bus only checks what the mesh can
 * know — the topic is declared, the message is signed, it fits MAX_TOPIC_MESSAGE_BYTES — and hands the
 * bytes with the signer's peer id to the handlers; parsing and trust decisions belong to the consumer
 * (which must `safeParse`). Keeps the mesh agnostic of what the agent replicates.
 */
import type { Logger } from 'pino'

/** Receives one message of a topic: its bytes and the peer id that signed it. */
export type TopicHandler = (data: Uint8Array, from: string) => void

/** Why an inbound topic message was dropped before delivery. */
export type TopicDropReason = 'undeclared' | 'unsigned' | 'oversized'

/** Topic names must be versioned llmlb paths, e.g. `/llmlb/control/1.0.0`. */
export const TOPIC_NAME_PATTERN = /^\/llmlb\/[a-z0-9-]+(\/[a-z0-9.-]+)*\/\d+\.\d+\.\d+$/

export class TopicBus {
  private readonly handlers = new Map<string, Set<TopicHandler>>()

  /**
   * @param topics the application topics (names matching TOPIC_NAME_PATTERN)
   * @param maxBytes largest message published or delivered (bytes)
   */
  constructor(topics: readonly string[], private readonly maxBytes: number, private readonly log: Logger) {
    for (const t of topics) {
      if (!TOPIC_NAME_PATTERN.test(t)) throw new TypeError(`gossip topic "${t}" is not a versioned /llmlb/… name`)
      this.handlers.set(t, new Set())
    }
  }

  /** Declared topics. */
  topics(): string[] {
    return [...this.handlers.keys()]
  }

  has(topic: string): boolean {
    return this.handlers.has(topic)
  }

  /** Adds a handler; returns its removal. Throws on an undeclared topic (a wiring bug). */
  subscribe(topic: string, handler: TopicHandler): () => void {
    const set = this.handlers.get(topic)
    if (set === undefined) throw new TypeError(`gossip topic "${topic}" was not declared in the mesh init (topics)`)
    set.add(handler)
    return () => { set.delete(handler) }
  }

  /** Throws (TypeError, RangeError) when `data` may not be published on `topic`. */
  checkOutbound(topic: string, data: Uint8Array): void {
    if (!this.has(topic)) throw new TypeError(`gossip topic "${topic}" was not declared in the mesh init (topics)`)
    if (data.byteLength > this.maxBytes) throw new RangeError(`message of ${data.byteLength} bytes exceeds ${this.maxBytes} on ${topic}`)
  }

  /** Gossip validation of an inbound message; undefined means accept (and relay). */
  check(topic: string, data: Uint8Array, from: string | undefined): TopicDropReason | undefined {
    if (!this.has(topic)) return 'undeclared'
    if (from === undefined) return 'unsigned'
    if (data.byteLength > this.maxBytes) return 'oversized'
    return undefined
  }

  /** Hands a validated message to every handler; a throwing handler is logged, never propagated. */
  deliver(topic: string, data: Uint8Array, from: string): number {
    const set = this.handlers.get(topic)
    if (set === undefined) return 0
    for (const h of set) {
      try {
        h(data, from)
      } catch (err) {
        this.log.warn({ topic, from, err: (err as Error).message }, 'topic handler failed')
      }
    }
    return set.size
  }
}
