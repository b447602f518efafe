/**
 * Downloads one file with resume: bytes already in the `.part` file are kept (and hashed again, so
 * the SHA-256 covers the whole file), the rest is asked for with `Range`. A server that ignores the
 * range (200) restarts the file. The SHA-256 is checked before the caller may use the file.
 */
import { stat, truncate, unlink } from 'node:fs/promises'
import { Outbound, type OutboundOptions } from '../../net/index.js'
import { BatchFile } from './batch-file.js'
import { OffThreadHash } from './hash-worker.js'
import { HubAccessError, HubUnavailableError } from '../model-errors.js'
import { AgentError } from '../../errors/errors.js'

/** The downloaded bytes do not have the SHA-256 the hub listed. */
export class ChecksumError extends AgentError {
  constructor(file: string, want: string, got: string) {
    super('checksum_mismatch', `${file}: SHA-256 ${got.slice(0, 12)}… does not match the hub's ${want.slice(0, 12)}…; the download was discarded`)
  }
}

/** Redirects followed from the hub's `resolve/` URL to its CDN. */
export const MAX_REDIRECTS = 5
/** Longest silence of the server inside a body before the download fails (ms). */
export const IDLE_TIMEOUT_MS = 300_000

/**
 * The client of downloads: the node's outbound policy (every hop's address checked at connect time,
 * the hub token dropped on the redirect to the CDN), a long idle bound for large bodies.
 */
export function downloadClient(opts: Pick<OutboundOptions, 'allow' | 'lookup'> = {}): Outbound {
  return new Outbound({ ...opts, maxRedirects: MAX_REDIRECTS, headersTimeoutMs: 60_000, bodyIdleTimeoutMs: IDLE_TIMEOUT_MS })
}

export interface DownloadInit {
  url: string
  client: Outbound
  /** Sent to the hub only: the redirect to the CDN drops it. */
  token?: string
  /** For messages: repo and path. */
  repo: string
  file: string
  partPath: string
  size: number
  sha256: string
  /** Called with the bytes on disk so far (resumed bytes first, then as chunks arrive). */
  onProgress: (received: number) => void
  /**
   * A hash whose thread was started ahead (a new one takes 40–100 ms to answer), fresh or recycled;
   * it stays the caller's. Without it, one is started here and closed at the end.
   */
  hash?: OffThreadHash
  signal?: AbortSignal
}

async function sizeOf(path: string): Promise<number> {
  return stat(path).then((s) => s.size, () => 0)
}

/**
 * Transfers the rest of the file (from `have`) into `partPath`, written and hashed on the way in the
 * hash's thread; resolves with the bytes on disk.
 */
async function transfer(d: DownloadInit, have: number, hash: OffThreadHash): Promise<number> {
  const origin = new URL(d.url).origin
  const headers: Record<string, string> = { 'accept-encoding': 'identity', 'user-agent': 'llmlb', ...(have > 0 ? { range: `bytes=${have}-` } : {}), ...(d.token ? { authorization: `Bearer ${d.token}` } : {}) }
  const unavailable = (err: unknown): Error => (d.signal?.aborted || err instanceof AgentError ? (err as Error) : new HubUnavailableError(origin, `downloading ${d.file}: ${(err as Error).message}`, err))
  let file: BatchFile | undefined
  let status = 0
  let answeredBy = origin
  try {
    await d.client.receive(d.url, { headers, signal: d.signal }, async (head) => {
      status = head.status
      answeredBy = new URL(head.url).origin
      if (status !== 200 && status !== 206) return undefined
      if (status === 200 && have > 0) {
        // the server ignored the range: start over
        have = 0
        await hash.reset()
        await truncate(d.partPath, 0)
        d.onProgress(0)
      }
      const base = have
      // the hash's thread writes the file as well as hashing it (hash-worker.ts says why)
      file = await BatchFile.open(d.partPath, have > 0, (n) => d.onProgress(base + n), (path, append) => hash.store(path, append))
      // the connection reads straight into the file's slots (a direct sink)
      return file
    })
    await (file as BatchFile | undefined)?.finish()
  } catch (err) {
    await (file as BatchFile | undefined)?.abort().catch(() => undefined)
    throw unavailable(err)
  }
  // a refusal from the server the hub redirected to (a CDN) is not about the token, which it never
  // sees: its signed link expired or was refused, and a new pull asks the hub for a fresh one
  if ((status === 401 || status === 403) && answeredBy !== origin) throw new HubUnavailableError(answeredBy, `downloading ${d.file}: the download server the hub redirected to answered ${status} (its signed link expired or was refused); pull again to resume with a fresh link`)
  if (status === 401 || status === 403) throw new HubAccessError(d.repo, status)
  if (status !== 200 && status !== 206) throw new HubUnavailableError(origin, `downloading ${d.file}: status ${status}`)
  return sizeOf(d.partPath)
}

/** Downloads (or finishes) `partPath`; resolves when it holds the verified file. */
export async function downloadFile(d: DownloadInit): Promise<void> {
  let have = await sizeOf(d.partPath)
  if (have > d.size) {
    await truncate(d.partPath, 0)
    have = 0
  }
  const hash = d.hash ?? new OffThreadHash()
  let got: string
  try {
    await hash.file(d.partPath, have)
    d.onProgress(have)
    if (have < d.size) have = await transfer(d, have, hash)
    if (have !== d.size) throw new HubUnavailableError(new URL(d.url).origin, `${d.file}: got ${have} of ${d.size} bytes`)
    got = await hash.digest()
  } finally {
    if (!d.hash) await hash.close()
  }
  if (got !== d.sha256) {
    await unlink(d.partPath).catch(() => undefined)
    throw new ChecksumError(d.file, d.sha256, got)
  }
}
