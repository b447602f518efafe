/**
 * How the CLI's client verbs reach a node and prove who they are: a `--data-dir` target is the node
 * running there (its lock file gives the port) and the CLI presents that node's local admin token
 * (`<data-dir>/local-admin.token`, readable by the node's user only, new at every start); a `--url`
 * target needs `--api-key` or `LLMLB_API_KEY`.
 */
import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { expandHome } from '../config/index.js'
import { cliEnv, configFromEnv } from '../config/env.js'
import { LOCAL_TOKEN_FILE } from '../auth/index.js'
import { isProcessAlive, readLock } from '../node/data-dir-lock.js'

export interface ClientFlags {
  dataDir?: string
  url?: string
  apiKey?: string
}

export interface Target {
  /** Base URL without a trailing slash. */
  base: string
  /** The Authorization header, when there is a credential. */
  headers: Record<string, string>
}

/** Longest wait for a node's answer (ms). */
export const CLIENT_TIMEOUT_MS = 10_000

export function dataDirOf(flags: ClientFlags): string {
  return resolve(expandHome(flags.dataDir ?? (configFromEnv().dataDir as string | undefined) ?? '~/.llmlb'))
}

/** The node to talk to, or an error message (not running, no credential file). */
export async function resolveTarget(flags: ClientFlags): Promise<Target | { error: string }> {
  const apiKey = flags.apiKey ?? cliEnv().apiKey
  const bearer = (k: string): Record<string, string> => ({ authorization: `Bearer ${k}` })
  if (flags.url) return { base: flags.url.replace(/\/$/, ''), headers: apiKey ? bearer(apiKey) : {} }
  const dir = dataDirOf(flags)
  const lock = await readLock(dir)
  if (!lock || !isProcessAlive(lock.pid)) return { error: `no node is running for ${dir}` }
  const token = await readFile(join(dir, LOCAL_TOKEN_FILE), 'utf8').then((t) => t.trim(), () => undefined)
  return { base: `http://127.0.0.1:${lock.port}`, headers: token ? bearer(token) : apiKey ? bearer(apiKey) : {} }
}

/** Sends a JSON request; returns status and parsed body (null when empty). Throws on network errors. */
export async function requestJson(target: Target, method: string, path: string, body?: unknown, timeoutMs = CLIENT_TIMEOUT_MS): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${target.base}${path}`, {
    method,
    headers: { ...target.headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs)
  })
  const text = await res.text()
  let parsed: unknown = null
  try {
    parsed = text ? JSON.parse(text) : null
  } catch {
    parsed = text
  }
  return { status: res.status, body: parsed }
}

/** The message of an OpenAI-style error body, or a fallback. */
export function errorMessage(status: number, body: unknown): string {
  const e = (body as { error?: { message?: string } } | null)?.error
  return `HTTP ${status}${e?.message ? `: ${e.message}` : ''}`
}

/** The target of a client verb; exits 1 with the reason when there is none. */
export async function targetOrExit(flags: ClientFlags): Promise<Target> {
  const t = await resolveTarget(flags)
  if ('error' in t) {
    process.stderr.write(`llmlb: ${t.error}\n`)
    process.exit(1)
  }
  return t
}

/** requestJson that exits 1 when the node does not answer. */
export async function callOrExit(t: Target, method: string, path: string, body?: unknown, timeoutMs?: number): Promise<{ status: number; body: unknown }> {
  try {
    return await requestJson(t, method, path, body, timeoutMs)
  } catch (e) {
    process.stderr.write(`llmlb: ${t.base} does not answer: ${(e as Error).message}\n`)
    process.exit(1)
  }
}

/** Prints the node's refusal and exits 2. */
export function refuseAndExit(status: number, body: unknown): never {
  process.stderr.write(`llmlb: ${errorMessage(status, body)}\n`)
  process.exit(2)
}
