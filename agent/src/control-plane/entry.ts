/**
 * One register of the replicated control map and the wire messages that carry them. The zod schemas
 * are the trust boundary for everything a peer sends (gossip deltas, anti-entropy answers): bounded,
 * versioned, safeParsed by the receiver; values stay opaque JSON here and are validated by the store
 * that owns their prefix (users, API keys, settings).
 */
import { z } from 'zod'
import { HlcSchema, type Hlc } from './hlc.js'

/** Gossip topic of control-plane deltas; the version is part of the name. */
export const CONTROL_TOPIC = '/llmlb/control/1.0.0'
/** Version of the entry and message JSON. */
export const CONTROL_WIRE_VERSION = 1
/** Longest entry key, e.g. `apikey/<id>` (characters). */
export const MAX_KEY_LENGTH = 256
/** Largest JSON value of one entry (bytes). */
export const MAX_VALUE_BYTES = 16 * 1024
/** Entries per gossip delta; larger batches are split. */
export const MAX_DELTA_ENTRIES = 64
/** Entries per anti-entropy message. */
export const MAX_SYNC_ENTRIES = 100_000

/** Keys are `<prefix>/<name>`: lower-case prefix, then printable characters without spaces. */
export const KEY_PATTERN = /^[a-z][a-z0-9-]*\/[\x21-\x7e]+$/

export const EntrySchema = z.object({
  /** `<prefix>/<name>`, e.g. `user/admin`. */
  k: z.string().min(3).max(MAX_KEY_LENGTH).regex(KEY_PATTERN),
  /** Timestamp of the write; the larger one wins. */
  h: HlcSchema,
  /** The value, or null for a tombstone (deleted). */
  v: z.unknown().refine((v) => v === null || JSON.stringify(v).length <= MAX_VALUE_BYTES, 'value too large')
})

/** One register: its key, the timestamp of its last write, and the value (null: deleted). */
export interface ControlEntry {
  k: string
  h: Hlc
  v: unknown
}

/** A gossip delta: entries written on the publishing node. */
export const DeltaMessageSchema = z.object({
  v: z.literal(CONTROL_WIRE_VERSION),
  entries: z.array(EntrySchema).min(1).max(MAX_DELTA_ENTRIES)
})

/** Anti-entropy request: the caller's digest, and entries it pushes (second round). */
export const SyncRequestSchema = z.object({
  v: z.literal(CONTROL_WIRE_VERSION),
  digest: z.array(z.string().max(64)).max(1024).optional(),
  entries: z.array(EntrySchema).max(MAX_SYNC_ENTRIES).optional()
})
export type SyncRequest = z.infer<typeof SyncRequestSchema>

/** Anti-entropy answer: the responder's entries in every bucket whose hash differed, and those buckets. */
export const SyncResponseSchema = z.object({
  v: z.literal(CONTROL_WIRE_VERSION),
  buckets: z.array(z.number().int().min(0).max(1023)).max(1024),
  entries: z.array(EntrySchema).max(MAX_SYNC_ENTRIES),
  /** The responder's raw wall clock (ms) when it answered: the caller's clock-offset sample (cluster-clock.ts). */
  now: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional()
})
export type SyncResponse = z.infer<typeof SyncResponseSchema>

/** The prefix of a key (`user` for `user/admin`). */
export function prefixOf(key: string): string {
  const i = key.indexOf('/')
  return i < 0 ? key : key.slice(0, i)
}
