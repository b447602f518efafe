/**
 * Downloads one file with resume: bytes already in the `.part` file are kept (and hashed again, so
 * the SHA-256 covers the whole file), the rest is asked for with `Range`. A server that ignores the
 * range (200) restarts the file. The SHA-256 is checked before the caller may use the file.
 */
import { createHash, type Hash } from 'node:crypto'
import { stat, truncate, unlink } from 'node:fs/promises'
import { Agent, interceptors, request, type Dispatcher } from 'undici'
import { hashFileInto } from '../file-hash.js'
import { BatchFile } from './batch-file.js'
import { rawGet, READ_BUFFER_BYTES, type RawResponse } from './raw-get.js'
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
 * The general HTTP client of downloads, for a body without a length (chunked), which rawGet leaves
 * alone: undici with redirects followed (it drops Authorization on a cross-origin redirect, as
 * huggingface_hub does).
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

/** Feeds a body's pieces to the hash and the file (pieces cut to what BatchFile takes at once). */
async function intoFile(file: BatchFile, hash: Hash, chunk: Buffer): Promise<void> {
  for (let off = 0; off < chunk.length; off += READ_BUFFER_BYTES) {
    const piece = chunk.subarray(off, off + READ_BUFFER_BYTES)
    hash.update(piece)
    const wait = file.push(piece)
    if (wait) await wait
  }
}

/**
 * Transfers the rest of the file (from `have`) into `partPath`, hashing it on the way; resolves
 * with the bytes on disk. rawGet first; a chunked answer (no length) goes through undici instead.
 */
async function transfer(d: DownloadInit, have: number, hash: Hash): Promise<{ have: number; hash: Hash }> {
  const origin = new URL(d.url).origin
  const headers: Record<string, string> = { 'accept-encoding': 'identity', ...(have > 0 ? { range: `bytes=${have}-` } : {}) }
  const unavailable = (err: unknown): Error => (d.signal?.aborted ? (err as Error) : new HubUnavailableError(origin, `downloading ${d.file}: ${(err as Error).message}`, err))
  let res: RawResponse
  try {
    res = await rawGet({ url: d.url, headers, token: d.token, maxRedirects: MAX_REDIRECTS, signal: d.signal })
  } catch (err) {
    throw unavailable(err)
  }
  const status = res.status
  if (status !== 200 && status !== 206) res.close()
  if (status === 401 || status === 403) throw new HubAccessError(d.repo, status)
  if (status !== 200 && status !== 206) throw new HubUnavailableError(origin, `downloading ${d.file}: status ${status}`)
  if (status === 200 && have > 0) {
    // the server ignored the range: start over
    have = 0
    hash = createHash('sha256')
    await truncate(d.partPath, 0)
    d.onProgress(0)
  }
  const base = have
  const file = await BatchFile.open(d.partPath, have > 0, (n) => d.onProgress(base + n))
  try {
    if (!res.chunked) {
      const h = hash
      await res.readBody((bytes) => {
        h.update(bytes)
        return file.push(bytes)
      })
    } else {
      res.close()
      const body = (await request(d.url, { headers: { ...headers, ...(d.token ? { authorization: `Bearer ${d.token}` } : {}) }, dispatcher: d.dispatcher, signal: d.signal })).body
      for await (const chunk of body as AsyncIterable<Buffer>) await intoFile(file, hash, chunk)
    }
    await file.finish()
  } catch (err) {
    await file.abort().catch(() => undefined)
    throw unavailable(err)
  }
  return { have: await sizeOf(d.partPath), hash }
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
  if (have < d.size) ({ have, hash } = await transfer(d, have, hash))
  if (have !== d.size) throw new HubUnavailableError(new URL(d.url).origin, `${d.file}: got ${have} of ${d.size} bytes`)
  const got = hash.digest('hex')
  if (got !== d.sha256) {
    await unlink(d.partPath).catch(() => undefined)
    throw new ChecksumError(d.file, d.sha256, got)
  }
}
