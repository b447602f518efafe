/**
 * Model aliases, replicated over the control plane (the LWW map every node holds): `alias/<name>` →
 * `{ model: <id> }`. An alias is a second name for a model of the cluster — what Ollama's `/api/copy`
 * makes — resolved on every node by the request path (auto-resolve.ts) and listed by Ollama's
 * `/api/tags`. It names a model id, not a file: wherever that model is served, the alias is too.
 */
import { z } from 'zod'
import type { ControlStore } from '../control-plane/index.js'

export const ALIAS_PREFIX = 'alias/'

/** An alias name: printable ASCII without spaces (a control-plane key), like a model id. */
export const AliasNameSchema = z.string().regex(/^[\x21-\x7e]{1,200}$/, 'a name of 1–200 printable characters without spaces')

const AliasValueSchema = z.object({ model: z.string().min(1).max(256) })

export class ModelAliases {
  constructor(private readonly store: ControlStore) {}

  /** The model id `name` stands for, if it is an alias. */
  get(name: string): string | undefined {
    if (!AliasNameSchema.safeParse(name).success) return undefined
    const v = AliasValueSchema.safeParse(this.store.get(ALIAS_PREFIX + name))
    return v.success ? v.data.model : undefined
  }

  /** Every live alias: name → model id. */
  all(): Map<string, string> {
    const out = new Map<string, string>()
    for (const e of this.store.list(ALIAS_PREFIX)) {
      const v = AliasValueSchema.safeParse(e.v)
      if (e.v !== null && v.success) out.set(e.k.slice(ALIAS_PREFIX.length), v.data.model)
    }
    return out
  }

  async set(name: string, model: string): Promise<void> {
    await this.store.set(ALIAS_PREFIX + AliasNameSchema.parse(name), { model })
  }

  /** Removes the alias; false when there was none. */
  async delete(name: string): Promise<boolean> {
    if (this.get(name) === undefined) return false
    await this.store.delete(ALIAS_PREFIX + name)
    return true
  }
}
