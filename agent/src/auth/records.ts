/**
 * The values the control plane replicates for auth, as zod schemas: the store of each prefix
 * safeParses what it reads (a peer's malformed record is ignored, never trusted). Secrets appear only
 * as hashes.
 */
import { z } from 'zod'
import { RoleSchema, ScopeSchema } from './scopes.js'

/** Control-map prefix of users: `user/<username>`. */
export const USER_PREFIX = 'user/'
/** Control-map prefix of API keys: `apikey/<id>`. */
export const KEY_PREFIX = 'apikey/'
/** Control-map prefix of settings: `setting/<name>`. */
export const SETTING_PREFIX = 'setting/'

/** Lower-case letters, digits, `.`, `_`, `-`; 1–64 characters, starting with a letter or digit. */
export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/
/** Id of keys and users: lower-case hex or the fixed `initial`. */
export const ID_PATTERN = /^[a-z0-9]{1,32}$/

export const UserRecordSchema = z.object({
  /** Random id of this incarnation of the username (a re-created user is someone else). */
  id: z.string().regex(ID_PATTERN),
  username: z.string().regex(USERNAME_PATTERN),
  role: RoleSchema,
  /** `scrypt$N$r$p$salt$hash` (password-hash.ts). */
  passwordHash: z.string().min(1).max(512),
  mustChangePassword: z.boolean(),
  /** Bumped when the password changes: sessions of an older epoch end. */
  sessionEpoch: z.number().int().min(0),
  /** ms since epoch */
  createdAt: z.number().int().min(0),
  /** ms since epoch */
  updatedAt: z.number().int().min(0)
})
export type UserRecord = z.infer<typeof UserRecordSchema>

export const RateLimitSchema = z.object({
  /** Requests per minute; unset: unlimited. */
  requestsPerMinute: z.number().int().min(1).max(1_000_000).optional(),
  /** Prompt + completion tokens per minute; unset: unlimited. */
  tokensPerMinute: z.number().int().min(1).max(1_000_000_000).optional()
})
export type RateLimit = z.infer<typeof RateLimitSchema>

/** Who a key belongs to: a user (its scopes never exceed the owner's current role) or the system. */
export const KeyOwnerSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('user'), username: z.string().regex(USERNAME_PATTERN), userId: z.string().regex(ID_PATTERN) }),
  z.object({ type: z.literal('system'), name: z.string().min(1).max(64) })
])
export type KeyOwner = z.infer<typeof KeyOwnerSchema>

export const ApiKeyRecordSchema = z.object({
  id: z.string().regex(ID_PATTERN),
  name: z.string().min(1).max(64),
  /** First characters of the key (`llmlb_<id>_xxxx`), enough to recognise it; not a secret. */
  prefix: z.string().max(64),
  /** SHA-256 (hex) of the whole key. */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  scopes: z.array(ScopeSchema).min(1).max(32),
  owner: KeyOwnerSchema,
  /** ms since epoch */
  createdAt: z.number().int().min(0),
  /** ms since epoch; null: never expires. */
  expiresAt: z.number().int().min(0).nullable(),
  rateLimit: RateLimitSchema.optional()
})
export type ApiKeyRecord = z.infer<typeof ApiKeyRecordSchema>

/** An API key as the API shows it (`GET /api/keys`): never the key or its hash, only the recognisable prefix. */
export interface PublicApiKey {
  id: string
  name: string
  /** The key's first characters (`llmlb_<id>_xxxx`), to recognise it. */
  prefix: string
  scopes: string[]
  /** The username that created it, or `system:<name>` (the initial key). */
  owner: string
  createdAt: string
  expiresAt: string | null
  expired: boolean
  rateLimit: ApiKeyRecord['rateLimit'] | null
}
