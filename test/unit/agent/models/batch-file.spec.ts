/**
 * The download's ring of slots (hf/batch-file.ts), driven as the connection drives it: bytes land in
 * `space()`, `filled(n)` says how many. With a store whose hashing is held back, every slot ends up
 * busy: `filled` must then return a promise, `space()` must name the slot that frees first, and the
 * bytes read into it after the promise settles must reach the file in order. A failed write
 * surfaces; an abort leaves the file with every byte that arrived, in order, and no hole. The same
 * through the hashing thread's store (hash-worker.ts), which writes and hashes each slot itself.
 */
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BatchFile, fileStore, MIN_SPACE_BYTES, SLOT_BYTES, SLOTS, type SlotStore } from '../../../../agent/src/models/hf/batch-file.js'
import { OffThreadHash } from '../../../../agent/src/models/hf/hash-worker.js'

let dir = ''
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'llmlb-ring-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

const pattern = (n: number, seed: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + seed + (i >> 11)) & 0xff))

/**
 * A store that writes each slot at once and then holds its hash until released, reading the slot
 * only then: every slot it holds stays busy, and a slot reused before its put settled would change
 * what it hashes.
 */
async function heldStore(path: string): Promise<SlotStore & { release(): void; held(): number; heldBytes(): number; digest(): string }> {
  const file = await fileStore(path, false)
  const hash = createHash('sha256')
  const waiting: { bytes: Uint8Array; done: () => void }[] = []
  let open = false
  return {
    async put(sab, len, hashIt) {
      await file.put(sab, len, hashIt)
      const bytes = new Uint8Array(sab, 0, len)
      if (open) {
        hash.update(bytes)
        return
      }
      await new Promise<void>((done) => waiting.push({ bytes, done }))
    },
    close: () => file.close(),
    release() {
      open = true
      for (const w of waiting.splice(0)) {
        hash.update(w.bytes)
        w.done()
      }
    },
    held: () => waiting.length,
    heldBytes: () => waiting.reduce((sum, w) => sum + w.bytes.byteLength, 0),
    digest: () => hash.digest('hex')
  }
}

/**
 * Feeds `data` as a connection would, in reads of at most `read` bytes: like Node's `onread`, it asks
 * for the next read's memory right after each `filled`, and reads into that memory once a returned
 * promise settles. `onRead` sees each read's memory.
 */
async function feed(file: BatchFile, data: Buffer, read: number, onWait?: (slot: Buffer) => void, onRead?: (space: Buffer) => void): Promise<void> {
  let space = file.space()
  for (let off = 0; off < data.length; ) {
    onRead?.(space)
    const n = data.copy(space, 0, off, Math.min(data.length, off + read))
    off += n
    const wait = file.filled(n)
    space = file.space()
    if (wait) {
      onWait?.(space)
      await wait
    }
  }
}

describe('the download ring', () => {
  it('holds the connection once every slot is busy and resumes into the slot that freed, bytes in order', async () => {
    const path = join(dir, 'ring.bin')
    const hasher = await heldStore(path)
    const progress: number[] = []
    const file = await BatchFile.open(path, false, (n) => progress.push(n), async () => hasher)
    // more than the whole ring, not a multiple of a slot or a read
    const data = pattern(SLOT_BYTES * (SLOTS + 3) + 4321, 1)
    const waitedInto: Buffer[] = []
    let fedAll = false
    const fed = feed(file, data, 100_000, (slot) => waitedInto.push(slot)).then(() => void (fedAll = true))
    await expect.poll(() => hasher.held(), { timeout: 30_000 }).toBe(SLOTS)
    // every slot handed off is on disk, yet none is free: a slot also waits for its hash
    await expect.poll(async () => (await stat(path)).size, { timeout: 30_000 }).toBe(hasher.heldBytes())
    expect(hasher.held()).toBe(SLOTS)
    expect(fedAll).toBe(false)
    expect(waitedInto).toHaveLength(1)
    // the slot it waits for is a whole slot of memory, not a remainder of the current one
    expect(waitedInto[0]?.byteLength).toBe(SLOT_BYTES)
    hasher.release()
    await fed
    await file.finish()
    const disk = await readFile(path)
    expect(disk.equals(data)).toBe(true)
    expect(hasher.digest()).toBe(createHash('sha256').update(data).digest('hex'))
    expect(progress.at(-1)).toBe(data.length)
    // the progress only grows
    expect(progress.every((n, i) => i === 0 || n >= (progress[i - 1] as number))).toBe(true)
  })

  it('hands off a slot once less than a read is left, so a read always has room', async () => {
    const path = join(dir, 'room.bin')
    const file = await BatchFile.open(path, false)
    const data = pattern(SLOT_BYTES * 3, 2)
    let least = Number.POSITIVE_INFINITY
    await feed(file, data, 40_000, undefined, (space) => (least = Math.min(least, space.byteLength)))
    await file.finish()
    expect(least).toBeGreaterThanOrEqual(MIN_SPACE_BYTES)
    expect((await readFile(path)).equals(data)).toBe(true)
  })

  it('an abort keeps every byte that arrived, in order, for a resume to append to', async () => {
    const path = join(dir, 'abort.bin')
    const first = pattern(SLOT_BYTES * 2 + 777, 3)
    const a = await BatchFile.open(path, false)
    await feed(a, first, 65_536)
    await a.abort()
    expect((await readFile(path)).equals(first)).toBe(true)
    const rest = pattern(SLOT_BYTES + 99, 4)
    const b = await BatchFile.open(path, true)
    await feed(b, rest, 65_536)
    await b.finish()
    expect((await readFile(path)).equals(Buffer.concat([first, rest]))).toBe(true)
  })

  it('a write that fails (a full disk) fails the download with its error', async () => {
    // /dev/full takes the open and refuses every write with ENOSPC
    const file = await BatchFile.open('/dev/full', false)
    const data = pattern(SLOT_BYTES * (SLOTS + 2), 5)
    const outcome = await feed(file, data, SLOT_BYTES).then(() => file.finish()).then(() => 'finished', (err: NodeJS.ErrnoException) => err.code)
    expect(outcome).toBe('ENOSPC')
  })

  it("through the hashing thread's store: the file and its SHA-256 are the bytes that arrived, and a resume appends", async () => {
    const path = join(dir, 'worker.bin')
    const first = pattern(SLOT_BYTES * (SLOTS + 2) + 555, 6)
    const rest = pattern(SLOT_BYTES * 2 + 17, 7)
    const hash = new OffThreadHash()
    try {
      const a = await BatchFile.open(path, false, undefined, (p, append) => hash.store(p, append))
      // an abort mid-way: what arrived is written but its last partial slot is not hashed, as a resume hashes the file again
      await feed(a, first, 100_000)
      await a.abort()
      expect((await readFile(path)).equals(first)).toBe(true)
      await hash.reset()
      await hash.file(path, first.length)
      const b = await BatchFile.open(path, true, undefined, (p, append) => hash.store(p, append))
      await feed(b, rest, 65_536)
      await b.finish()
      const whole = Buffer.concat([first, rest])
      expect((await readFile(path)).equals(whole)).toBe(true)
      expect(await hash.digest()).toBe(createHash('sha256').update(whole).digest('hex'))
    } finally {
      await hash.close()
    }
  })

  it("through the hashing thread's store, a failed write (a full disk) fails the download with its code", async () => {
    const hash = new OffThreadHash()
    try {
      const file = await BatchFile.open('/dev/full', false, undefined, (p, append) => hash.store(p, append))
      const data = pattern(SLOT_BYTES * (SLOTS + 2), 8)
      const outcome = await feed(file, data, SLOT_BYTES).then(() => file.finish()).then(() => 'finished', (err: NodeJS.ErrnoException) => err.code)
      expect(outcome).toBe('ENOSPC')
      // the thread goes on serving: a file opened next takes its puts
      const path = join(dir, 'after-full.bin')
      const store = await hash.store(path, false)
      const sab = new SharedArrayBuffer(16)
      new Uint8Array(sab).fill(9)
      await store.put(sab, 16, false)
      await store.close()
      expect(await readFile(path)).toEqual(Buffer.alloc(16, 9))
    } finally {
      await hash.close()
    }
  })

  it('one hashing thread serves download after download: recycled, its ring and hash start clean; a closed one is not recycled', async () => {
    const hash = new OffThreadHash()
    try {
      for (const [i, size] of [[1, SLOT_BYTES * (SLOTS + 1) + 99], [2, SLOT_BYTES * 3 + 5], [3, 4099]] as const) {
        const path = join(dir, `reused-${i}.bin`)
        const data = pattern(size, 10 + i)
        const file = await BatchFile.open(path, false, undefined, (p, append) => hash.store(p, append))
        await feed(file, data, 200_000)
        await file.finish()
        expect((await readFile(path)).equals(data)).toBe(true)
        // the digest covers this download only: the one before it was reset away
        expect(await hash.digest()).toBe(createHash('sha256').update(data).digest('hex'))
        expect(await hash.recycle()).toBe(true)
      }
    } finally {
      await hash.close()
    }
    expect(await hash.recycle()).toBe(false)
  })
})
