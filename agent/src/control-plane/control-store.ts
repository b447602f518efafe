/**
 * The replicated control map as the rest of the agent sees it: read from memory, written durably,
 * merged from peers, with change notifications. `UserStore`, `KeyStore` and settings are typed views
 * over it (agent/src/auth/); `ControlReplicator` keeps it in step with the mesh.
 */
import type { ControlEntry } from './entry.js'

/** Where a change came from: a write on this node, or a peer's entry merged here. */
export type ChangeOrigin = 'local' | 'remote'

/** Called after entries were applied (and handed to the disk). */
export type ChangeListener = (entries: readonly ControlEntry[], origin: ChangeOrigin) => void

export interface ControlStore {
  /** Id of this replica, the tie-break of its timestamps (stable across restarts). */
  readonly nodeId: string
  /** The live value of `key`, undefined when absent or deleted. */
  get(key: string): unknown
  /** The entry of `key`, tombstones included. */
  entry(key: string): ControlEntry | undefined
  /** Entries under `prefix` (tombstones included), in key order. */
  list(prefix: string): ControlEntry[]
  /** Writes `value` locally; resolves once it is on disk. */
  set(key: string, value: unknown): Promise<ControlEntry>
  /** Deletes `key` (a tombstone); resolves once it is on disk. */
  delete(key: string): Promise<ControlEntry>
  /**
   * Writes a bootstrap default that loses to every real write and, among defaults, to older ones
   * (`bootstrapHlc`). Resolves with the entry if it was applied, undefined if something already won.
   */
  setDefault(key: string, value: unknown, createdAtMs: number): Promise<ControlEntry | undefined>
  /** Merges peers' entries; returns those that changed this replica. Invalid or future-dated ones are skipped. */
  merge(entries: readonly ControlEntry[]): ControlEntry[]
  /** The anti-entropy digest (one hash per bucket). */
  digest(): string[]
  /** Buckets where a peer's digest differs from ours. */
  differingBuckets(other: readonly string[] | undefined): number[]
  /** Entries in the given buckets. */
  inBuckets(buckets: readonly number[]): ControlEntry[]
  /** Subscribes to applied changes; returns the unsubscribe. */
  onChange(listener: ChangeListener): () => void
  close(): Promise<void>
}
