/** SHA-256 of files, streamed (a 40 GB model never sits in memory). */
import { createHash, type Hash } from 'node:crypto'
import { createReadStream } from 'node:fs'

/** Feeds bytes `[start, end)` of a file into `hash` (end: the whole file). */
export async function hashFileInto(hash: Hash, path: string, start = 0, end?: number): Promise<void> {
  if (end !== undefined && end <= start) return
  const stream = createReadStream(path, { start, ...(end === undefined ? {} : { end: end - 1 }), highWaterMark: 1 << 20 })
  for await (const chunk of stream) hash.update(chunk as Buffer)
}

/** Hex SHA-256 of a whole file. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256')
  await hashFileInto(hash, path)
  return hash.digest('hex')
}
