/**
 * `llmlb keys create | list | revoke` against a running node (`--data-dir`, with the node's local
 * admin token) or any node's URL (`--url` with `--api-key`/`LLMLB_API_KEY`, a key with `keys:manage`).
 * `create` prints only the new key on stdout (so `KEY=$(llmlb keys create …)` works); `--json` prints
 * its details. Exit codes: 0 ok, 1 node unreachable, 2 refused (bad input, no permission, not found).
 */
import type { PublicApiKey } from '../auth/records.js'
import { callOrExit, refuseAndExit, targetOrExit, type ClientFlags } from './credentials.js'

export interface KeyCreateFlags extends ClientFlags {
  name: string
  scopes: string
  expires?: string
  rpm?: string
  tpm?: string
  json?: boolean
}

export interface KeyListFlags extends ClientFlags {
  json?: boolean
}

type KeyRow = PublicApiKey

const out = (s: string): boolean => process.stdout.write(s + '\n')

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 }

/** `30d`, `12h`, `90m`, `2w` (or a bare number of days) → ms; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+)\s*([mhdw]?)$/.exec(text.trim())
  if (!m) return undefined
  const n = Number(m[1])
  return n > 0 ? n * (UNIT_MS[m[2] || 'd'] ?? UNIT_MS.d ?? 0) : undefined
}

const target = targetOrExit
const call = callOrExit
const refuse: (status: number, body: unknown) => never = refuseAndExit

export async function keysCreateCommand(flags: KeyCreateFlags): Promise<void> {
  const body: Record<string, unknown> = { name: flags.name, scopes: flags.scopes.split(',').map((s) => s.trim()).filter(Boolean) }
  if (flags.expires !== undefined) {
    const ms = parseDuration(flags.expires)
    if (ms === undefined) refuse(400, { error: { message: `--expires "${flags.expires}" is not a duration like 30d, 12h or 90m` } })
    body.expiresAt = new Date(Date.now() + ms).toISOString()
  }
  const rate: Record<string, number> = {}
  if (flags.rpm !== undefined) rate.requestsPerMinute = Number(flags.rpm)
  if (flags.tpm !== undefined) rate.tokensPerMinute = Number(flags.tpm)
  if (Object.keys(rate).length > 0) body.rateLimit = rate
  const t = await target(flags)
  const res = await call(t, 'POST', '/api/keys', body)
  if (res.status !== 201) refuse(res.status, res.body)
  const created = res.body as KeyRow & { key: string }
  out(flags.json ? JSON.stringify(created, null, 2) : created.key)
}

export async function keysListCommand(flags: KeyListFlags): Promise<void> {
  const t = await target(flags)
  const res = await call(t, 'GET', '/api/keys')
  if (res.status !== 200) refuse(res.status, res.body)
  const rows = (res.body as { data: KeyRow[] }).data
  if (flags.json) {
    out(JSON.stringify(rows, null, 2))
    return
  }
  if (rows.length === 0) {
    out('no API keys')
    return
  }
  out(`${'ID'.padEnd(17)} ${'NAME'.padEnd(20)} ${'PREFIX'.padEnd(30)} ${'EXPIRES'.padEnd(24)} SCOPES`)
  for (const k of rows) {
    const expires = k.expiresAt === null ? 'never' : `${k.expiresAt}${k.expired ? ' (expired)' : ''}`
    out(`${k.id.padEnd(17)} ${k.name.padEnd(20)} ${k.prefix.padEnd(30)} ${expires.padEnd(24)} ${k.scopes.join(',')}`)
  }
}

export async function keysRevokeCommand(idOrName: string, flags: ClientFlags): Promise<void> {
  const t = await target(flags)
  const res = await call(t, 'DELETE', `/api/keys/${encodeURIComponent(idOrName)}`)
  if (res.status !== 204) refuse(res.status, res.body)
  out(`revoked ${idOrName}`)
}
