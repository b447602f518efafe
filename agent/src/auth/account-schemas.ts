/** Request bodies of the account routes (login, password, users, keys) and the public JSON shapes. */
import { z } from 'zod'
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './password-hash.js'
import { RateLimitSchema, USERNAME_PATTERN, type ApiKeyRecord, type PublicApiKey, type UserRecord } from './records.js'
import { RoleSchema, ScopeSchema } from './scopes.js'

const password = z.string().min(MIN_PASSWORD_LENGTH).max(MAX_PASSWORD_LENGTH)
const username = z.string().trim().toLowerCase().regex(USERNAME_PATTERN, 'lower-case letters, digits, ".", "_" or "-", at most 64')

export const LoginBodySchema = z.object({
  username: z.string().trim().toLowerCase().min(1).max(64),
  password: z.string().min(1).max(MAX_PASSWORD_LENGTH)
})

export const PasswordBodySchema = z.object({
  currentPassword: z.string().min(1).max(MAX_PASSWORD_LENGTH),
  newPassword: password
})

export const CreateUserBodySchema = z.object({
  username,
  /** Unset: a random one is generated and returned once. */
  password: password.optional(),
  role: RoleSchema.default('viewer')
})

export const UpdateUserBodySchema = z
  .object({ role: RoleSchema.optional(), password: password.optional() })
  .refine((b) => b.role !== undefined || b.password !== undefined, 'give role or password')

/** 9999-12-31T23:59:59.999Z: a later expiry could not be shown (Date's toISOString throws past year 275760). */
const LAST_ISO_MS = 253_402_300_799_999

export const CreateKeyBodySchema = z.object({
  name: z.string().trim().min(1).max(64),
  scopes: z.array(ScopeSchema).min(1).max(32),
  /** Days until expiry (alternative to expiresAt). */
  expiresInDays: z.number().int().min(1).max(3650).optional(),
  /** Expiry as ISO time or ms since epoch (at most the end of year 9999, the last time an ISO string shows). */
  expiresAt: z.union([z.iso.datetime({ offset: true }), z.number().int().positive().max(LAST_ISO_MS)]).optional(),
  rateLimit: RateLimitSchema.optional()
})
export type CreateKeyBody = z.infer<typeof CreateKeyBodySchema>

const iso = (ms: number): string => new Date(ms).toISOString()

/** A user as the API shows it: never the password hash. */
export function publicUser(u: UserRecord): Record<string, unknown> {
  return { id: u.id, username: u.username, role: u.role, mustChangePassword: u.mustChangePassword, createdAt: iso(u.createdAt), updatedAt: iso(u.updatedAt) }
}

/** An API key as the API shows it: never the key or its hash, only the recognisable prefix. */
export function publicKey(k: ApiKeyRecord, now: number): PublicApiKey {
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    scopes: k.scopes,
    owner: k.owner.type === 'user' ? k.owner.username : `system:${k.owner.name}`,
    createdAt: iso(k.createdAt),
    expiresAt: k.expiresAt === null ? null : iso(k.expiresAt),
    expired: k.expiresAt !== null && now >= k.expiresAt,
    rateLimit: k.rateLimit ?? null
  }
}
