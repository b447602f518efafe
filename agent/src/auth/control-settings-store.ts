/**
 * `SettingsStore` over the replicated control map: `setting/<name>` → any JSON value (at most
 * MAX_VALUE_BYTES). Cluster-wide settings changed on one node apply on every node; the components that
 * own a setting validate its value when they read it.
 */
import type { ControlStore } from '../control-plane/control-store.js'
import { SETTING_PREFIX } from './records.js'
import type { SettingsStore } from './stores.js'

export class ControlSettingsStore implements SettingsStore {
  constructor(private readonly store: ControlStore) {}

  get(name: string): unknown {
    return this.store.get(SETTING_PREFIX + name)
  }

  list(): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    for (const e of this.store.list(SETTING_PREFIX)) if (e.v !== null) out[e.k.slice(SETTING_PREFIX.length)] = e.v
    return out
  }

  async set(name: string, value: unknown): Promise<void> {
    await this.store.set(SETTING_PREFIX + name, value)
  }

  async delete(name: string): Promise<void> {
    await this.store.delete(SETTING_PREFIX + name)
  }
}
