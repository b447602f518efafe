/** Room left for models: free disk space, and the store's size limit when one is configured. */
import { statfs } from 'node:fs/promises'
import { InsufficientStorageError } from './model-errors.js'

/** Bytes kept free on the disk after a download (so the node's logs and LMDB can still grow). */
export const DISK_RESERVE_BYTES = 256 * 1024 * 1024

/**
 * Throws InsufficientStorageError when `needBytes` more do not fit: in the free space of `dir`'s disk
 * (less DISK_RESERVE_BYTES), or under `maxStoreBytes` given `usedBytes` already stored or reserved.
 */
export async function checkRoom(dir: string, needBytes: number, limits: { usedBytes: number; maxStoreBytes?: number }): Promise<void> {
  if (limits.maxStoreBytes !== undefined) {
    const left = Math.max(0, limits.maxStoreBytes - limits.usedBytes)
    if (needBytes > left) throw new InsufficientStorageError(needBytes, left, `the model store (limit modelStore.maxBytes)`)
  }
  const free = await diskFree(dir)
  if (needBytes > free) throw new InsufficientStorageError(needBytes, free, `the disk of ${dir}`)
}

/** Free bytes of `dir`'s disk less DISK_RESERVE_BYTES. */
export async function diskFree(dir: string): Promise<number> {
  const fs = await statfs(dir)
  return Math.max(0, fs.bavail * fs.bsize - DISK_RESERVE_BYTES)
}

/** Bytes the store may still take: the disk's free space, and what is left under `maxStoreBytes`. */
export async function roomLeft(dir: string, limits: { usedBytes: number; maxStoreBytes?: number }): Promise<number> {
  const disk = await diskFree(dir)
  return limits.maxStoreBytes === undefined ? disk : Math.min(disk, Math.max(0, limits.maxStoreBytes - limits.usedBytes))
}
