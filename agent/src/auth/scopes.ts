/**
 * What a credential may do. API keys carry scopes; dashboard users have a role, and a role stands for
 * a fixed set of scopes (ROLE_SCOPES). Routes declare one scope or one role (see `access.ts`).
 */
import { z } from 'zod'

/** Every scope, in the order the CLI and dashboard list them. */
export const SCOPES = [
  'inference',
  'models:read',
  'models:manage',
  'nodes:read',
  'nodes:manage',
  'history:read',
  'logs:read',
  'metrics:read',
  'keys:manage',
  'users:manage'
] as const

export type Scope = (typeof SCOPES)[number]
export const ScopeSchema = z.enum(SCOPES)

export const ROLES = ['admin', 'viewer'] as const
export type Role = (typeof ROLES)[number]
export const RoleSchema = z.enum(ROLES)

/**
 * Scopes a user session of each role holds. Viewers read everything and may use the playground
 * (inference); every `:manage` scope is the admin's.
 */
export const ROLE_SCOPES: Readonly<Record<Role, readonly Scope[]>> = {
  admin: SCOPES,
  viewer: ['inference', 'models:read', 'nodes:read', 'history:read', 'logs:read', 'metrics:read']
}

/** Scopes of the API key minted on the very first start of a cluster (enough for an OpenAI client). */
export const INITIAL_KEY_SCOPES: readonly Scope[] = ['inference', 'models:read']

export function isScope(s: string): s is Scope {
  return (SCOPES as readonly string[]).includes(s)
}
