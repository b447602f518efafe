/**
 * Downloads one file with resume: bytes already in the `.part` file are kept (and hashed again, so
 * the SHA-256 covers the whole file), the rest is asked for with `Range`. A server that ignores the
 * range (200) restarts the file. The SHA-256 is checked before the caller may use the file.
 */
import { createHash } from 'node:crypto'
import { stat, truncate, unlink } from 'node:fs/promises'
import { Agent, interceptors, request, type Dispatcher } from 'undici'
import { hashFileInto } from '../file-hash.js'
import { streamToFile } from './stream-to-file.js'
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

/**
 * The HTTP client of downloads: undici with redirects followed (it drops Authorization on a
 * cross-origin redirect, as huggingface_hub does). Its Node stream body is ~3× faster than fetch's
 * web stream for large files.
 */
export function downloadDispatcher(): Dispatcher {
  return new Agent().compose(interceptors.redirect({ maxRedirections: MAX_REDIRECTS }))
}

export interface DownloadInit {
  url: string
  dispatcher: Dispatcher
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
  signal?: AbortSignal
}

async function sizeOf(path: string): Promise<number> {
  return stat(path).then((s) => s.size, () => 0)
}

/** Downloads (or finishes) `partPath`; resolves when it holds the verified file. */
export async function downloadFile(d: DownloadInit): Promise<void> {
  let have = await sizeOf(d.partPath)
  if (have > d.size) {
    await truncate(d.partPath, 0)
    have = 0
  }
  let hash = createHash('sha256')
  if (have > 0) await hashFileInto(hash, d.partPath, 0, have)
  d.onProgress(have)
  if (have < d.size) {
    const headers: Record<string, string> = { 'accept-encoding': 'identity' }
    if (have > 0) headers.range = `bytes=${have}-`
    if (d.token) headers.authorization = `Bearer ${d.token}`
    let res: Dispatcher.ResponseData
    try {
      res = await request(d.url, { headers, dispatcher: d.dispatcher, signal: d.signal })
    } catch (err) {
      if (d.signal?.aborted) throw err
      throw new HubUnavailableError(new URL(d.url).origin, `downloading ${d.file}: ${(err as Error).message}`, err)
    }
    const status = res.statusCode
    if (status !== 200 && status !== 206) await res.body.dump().catch(() => undefined)
    if (status === 401 || status === 403) throw new HubAccessError(d.repo, status)
    if (status !== 200 && status !== 206) throw new HubUnavailableError(new URL(d.url).origin, `downloading ${d.file}: status ${status}`)
    if (status === 200 && have > 0) {
      // the server ignored the range: start over
      have = 0
      hash = createHash('sha256')
      await truncate(d.partPath, 0)
      d.onProgress(0)
    }
    // hashed on the chunks as they arrive: the file is never read a second time
    const base = have
    have += await streamToFile({ body: res.body, path: d.partPath, append: have > 0, hash, onBytes: (n) => d.onProgress(base + n), signal: d.signal })
  }
  if (have !== d.size) throw new HubUnavailableError(new URL(d.url).origin, `${d.file}: got ${have} of ${d.size} bytes`)
  const got = hash.digest('hex')
  if (got !== d.sha256) {
    await unlink(d.partPath).catch(() => undefined)
    throw new ChecksumError(d.file, d.sha256, got)
  }
}
