/**
 * The API-key scopes the dashboard offers. The agent owns the real list; these are the names in
 * specs/dashboard.md and unknown scopes on existing keys are still shown as they are.
 */
export const KEY_SCOPES = [
  { id: 'inference', label: 'Inference', hint: 'call /v1/* (chat, completions, embeddings, models)' },
  { id: 'read', label: 'Read', hint: 'read nodes, history, statistics and logs' },
  { id: 'admin', label: 'Admin', hint: 'manage keys and users' }
] as const

export const DEFAULT_KEY_SCOPES = ['inference']

/** Expiry choices in days; 0 = never. */
export const KEY_EXPIRY_DAYS = [0, 7, 30, 90, 365] as const
