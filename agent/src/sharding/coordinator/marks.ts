/**
 * Shard marks, replicated over the control plane (the LWW map every node holds): `shard/<modelId>` →
 * `{ nodes?, workers? }`. A mark asks the cluster to split the model; `nodes` limits which nodes may lend
 * it workers, `workers` sets the fewest workers to spread it over. Marks written on one node apply on every node; a value that does not parse is ignored.
 */
import { z } from 'zod'
import type { ControlStore } from '../../control-plane/index.js'

export const SHARD_PREFIX = 'shard/'

/** Body of `PUT /api/models/:id/shard` and the stored value of a mark. */
export const ShardMarkSchema = z
  .object({
    /** Names (or peer ids) of the nodes whose workers may hold the model; absent: any node's. */
    nodes: z.array(z.string().min(1).max(128)).max(32).optional(),
    /** Spread the model over at least this many workers, even when fewer would hold it. */
    workers: z.number().int().min(1).max(32).optional()
  })
  .strict()
export type ShardMark = z.infer<typeof ShardMarkSchema>

export class ShardMarks {
  constructor(private readonly store: ControlStore) {}

  /** Every live mark by model id. */
  all(): Map<string, ShardMark> {
    const out = new Map<string, ShardMark>()
    for (const e of this.store.list(SHARD_PREFIX)) {
      if (e.v === null) continue
      const m = ShardMarkSchema.safeParse(e.v)
      if (m.success) out.set(e.k.slice(SHARD_PREFIX.length), m.data)
    }
    return out
  }

  get(model: string): ShardMark | undefined {
    const m = ShardMarkSchema.safeParse(this.store.get(SHARD_PREFIX + model))
    return m.success ? m.data : undefined
  }

  async set(model: string, mark: ShardMark): Promise<void> {
    await this.store.set(SHARD_PREFIX + model, mark)
  }

  /** Removes the mark; false when there was none. */
  async delete(model: string): Promise<boolean> {
    if (this.get(model) === undefined) return false
    await this.store.delete(SHARD_PREFIX + model)
    return true
  }

  /** Calls `listener` when a mark changes here or on a peer; returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    return this.store.onChange((entries) => {
      if (entries.some((e) => e.k.startsWith(SHARD_PREFIX))) listener()
    })
  }
}
