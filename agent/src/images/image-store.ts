/**
 * Images answered as URLs (`response_format: url`), kept in memory by the node that took the request
 * and served at `GET /v1/images/files/:id` until they expire. Bounded by count and bytes: storing past
 * either bound drops the oldest first. The id is 24 random bytes (base64url): unguessable, so the URL is
 * the capability, like OpenAI's signed URLs. No I/O; the clock is injected.
 */
import { randomBytes } from 'node:crypto'

export interface ImageStoreLimits {
  /** How long a URL answers (ms). */
  ttlMs: number
  /** Images kept at once. */
  maxImages: number
  /** Bytes kept at once. */
  maxBytes: number
}

export interface StoredImage {
  bytes: Uint8Array
  contentType: string
  /** When it stops answering (ms since the epoch). */
  expiresAt: number
}

/** An id as the route accepts it (what `put` makes). */
export const IMAGE_ID = /^[A-Za-z0-9_-]{32}$/

export class ImageStore {
  /** In insertion order: the first entry is the oldest. */
  private readonly images = new Map<string, StoredImage>()
  private bytes = 0

  constructor(
    readonly limits: ImageStoreLimits,
    private readonly now: () => number = Date.now
  ) {}

  /** Keeps an image; returns its id, or undefined when it alone is larger than the byte bound. */
  put(bytes: Uint8Array, contentType: string): string | undefined {
    if (bytes.byteLength > this.limits.maxBytes) return undefined
    this.sweep()
    while (this.images.size >= this.limits.maxImages || this.bytes + bytes.byteLength > this.limits.maxBytes) this.dropOldest()
    const id = randomBytes(24).toString('base64url')
    this.images.set(id, { bytes, contentType, expiresAt: this.now() + this.limits.ttlMs })
    this.bytes += bytes.byteLength
    return id
  }

  /** The image while it has not expired, else undefined. */
  get(id: string): StoredImage | undefined {
    const img = this.images.get(id)
    if (!img) return undefined
    if (img.expiresAt <= this.now()) {
      this.delete(id)
      return undefined
    }
    return img
  }

  stats(): { images: number; bytes: number } {
    this.sweep()
    return { images: this.images.size, bytes: this.bytes }
  }

  /** Drops the expired images (they are oldest first, so the sweep stops at the first live one). */
  private sweep(): void {
    const t = this.now()
    for (const [id, img] of this.images) {
      if (img.expiresAt > t) break
      this.delete(id)
    }
  }

  private dropOldest(): void {
    const first = this.images.keys().next()
    if (!first.done) this.delete(first.value)
  }

  private delete(id: string): void {
    const img = this.images.get(id)
    if (!img) return
    this.images.delete(id)
    this.bytes -= img.bytes.byteLength
  }
}
