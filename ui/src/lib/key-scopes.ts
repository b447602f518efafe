/**
 * The API-key scopes the key form offers. The agent owns the list (`GET /api/auth/scopes`); this
 * file only adds a label and a hint to each, and the presets. `SCOPE_INFO` is keyed by the agent's
 * `Scope` type, so a scope added there fails the dashboard's type check until it is described here.
 * A scope the agent lists that this build does not know is still offered, under its own name.
 */
import type { Scope } from '../api/types.js'

export interface ScopeInfo {
  id: string
  label: string
  hint: string
}

const SCOPE_INFO: Record<Scope, Omit<ScopeInfo, 'id'>> = {
  inference: { label: 'inference', hint: 'chat, completions and embeddings (/v1/*)' },
  'models:read': { label: 'models:read', hint: 'list the models (/v1/models)' },
  'models:manage': { label: 'models:manage', hint: 'model management (no route uses it yet)' },
  'nodes:read': { label: 'nodes:read', hint: 'see the nodes and the live cluster state' },
  'nodes:manage': { label: 'nodes:manage', hint: 'node management (no route uses it yet)' },
  'history:read': { label: 'history:read', hint: 'request history and token statistics' },
  'logs:read': { label: 'logs:read', hint: 'the nodes’ logs' },
  'metrics:read': { label: 'metrics:read', hint: 'Prometheus metrics (/metrics)' },
  'keys:manage': { label: 'keys:manage', hint: 'create and revoke API keys' },
  'users:manage': { label: 'users:manage', hint: 'create, change and delete dashboard users' }
}

/** The agent's scope list as this build knows it (used until, or if, /api/auth/scopes answers). */
export const KNOWN_SCOPES = Object.keys(SCOPE_INFO) as Scope[]

/** Label and hint for any scope name, known or not. */
export function scopeInfo(id: string): ScopeInfo {
  const known = (SCOPE_INFO as Record<string, Omit<ScopeInfo, 'id'> | undefined>)[id]
  return { id, label: known?.label ?? id, hint: known?.hint ?? '' }
}

export interface ScopePreset {
  id: string
  label: string
  hint: string
  scopes: readonly string[]
}

const READ_SCOPES: readonly Scope[] = ['models:read', 'nodes:read', 'history:read', 'logs:read', 'metrics:read']

/**
 * One click sets the checkboxes; "Read-only" is what a dashboard viewer may read, without inference.
 * `all` is filled in from the agent's list.
 */
export function scopePresets(all: readonly string[]): ScopePreset[] {
  const presets: ScopePreset[] = [
    { id: 'inference', label: 'Inference', hint: 'an OpenAI client: chat, completions, embeddings and the model list', scopes: ['inference', 'models:read'] },
    { id: 'read', label: 'Read-only', hint: 'monitoring: nodes, models, history, statistics, logs and metrics', scopes: READ_SCOPES },
    { id: 'admin', label: 'Everything', hint: 'every scope, including managing keys and users', scopes: all }
  ]
  return presets.map((p) => ({ ...p, scopes: p.scopes.filter((s) => all.includes(s)) }))
}

/** The preset whose scopes are exactly `selected`, if any. */
export function matchingPreset(presets: readonly ScopePreset[], selected: readonly string[]): string | null {
  const set = new Set(selected)
  return presets.find((p) => p.scopes.length === set.size && p.scopes.every((s) => set.has(s)))?.id ?? null
}

/** The scopes a new key starts with (the "Inference" preset). */
export const DEFAULT_KEY_SCOPES: readonly string[] = ['inference', 'models:read']

/** Expiry choices in days; 0 = never. */
export const KEY_EXPIRY_DAYS = [0, 7, 30, 90, 365] as const
