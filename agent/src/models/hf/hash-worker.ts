/**
 * A download's store and SHA-256 in a worker thread, fed from the shared-memory slots of BatchFile:
 * each slot is written to the file and then hashed while it is still in the cache, off the thread
 * that parses the connection, with no copy of the bytes. A 455 MB file costs ~0.3 s of hashing and
 * ~0.1 s of writing, which the event loop no longer pays. The writes used to run on libuv's thread
 * pool, four calls a slot, each a hand-off to a pool thread and a completion back: moving them here
 * took a pull's CPU from 0.84–1.29 s to 0.66–0.95 s on a 2-core VM (specs/models.md, Benchmark). The
 * worker's code is inline so it runs the same from the sources (tests) and from dist.
 */
import { Worker } from 'node:worker_threads'
import { newRing, WRITE_BYTES, type SlotStore } from './batch-file.js'

const WORKER_CODE = `
const { parentPort } = require('node:worker_threads')
const { createHash } = require('node:crypto')
const { openSync, readSync, writeSync, closeSync } = require('node:fs')
let hash = createHash('sha256')
const views = []
let fd = -1
// a failed write refuses every later one until the next open: the file never gets a hole
let failed = null
const closeFile = () => {
  if (fd >= 0) closeSync(fd)
  fd = -1
}
parentPort.on('message', (m) => {
  try {
    if (m.op === 'buffer') {
      views[m.slot] = new Uint8Array(m.sab)
      // the ring's new (zeroed) buffers are touched here, once: their pages are backed before a
      // download needs them, and not by the thread that parses the connection (fresh memory is
      // slow to fault in on a VM)
      if (m.touch) views[m.slot].fill(0)
    }
    else if (m.op === 'open') {
      closeFile()
      failed = null
      fd = openSync(m.path, m.append ? 'a' : 'w')
    } else if (m.op === 'put') {
      if (failed) throw failed
      if (fd < 0) throw new Error('no file is open')
      const view = views[m.slot]
      try {
        for (let off = 0; off < m.len; ) off += writeSync(fd, view, off, Math.min(${WRITE_BYTES}, m.len - off))
      } catch (err) {
        failed = err
        throw err
      }
      if (m.hash) hash.update(view.subarray(0, m.len))
    } else if (m.op === 'close-file') closeFile()
    else if (m.op === 'reset') hash = createHash('sha256')
    else if (m.op === 'file') {
      const rfd = openSync(m.path, 'r')
      try {
        const buf = Buffer.allocUnsafe(1 << 22)
        for (let pos = 0; pos < m.end; ) {
          const n = readSync(rfd, buf, 0, Math.min(buf.length, m.end - pos), pos)
          if (n === 0) throw new Error('file shorter than ' + m.end + ' bytes')
          hash.update(buf.subarray(0, n))
          pos += n
        }
      } finally {
        closeSync(rfd)
      }
    } else if (m.op === 'digest') return parentPort.postMessage({ id: m.id, hex: hash.digest('hex') })
    parentPort.postMessage({ id: m.id })
  } catch (err) {
    parentPort.postMessage({ id: m.id, error: String((err && err.message) || err), code: err && err.code })
  }
})
`

type Op = { op: 'buffer'; sab: SharedArrayBuffer; slot: number; touch?: boolean } | { op: 'open'; path: string; append: boolean } | { op: 'put'; slot: number; len: number; hash: boolean } | { op: 'close-file' } | { op: 'reset' } | { op: 'file'; path: string; end: number } | { op: 'digest' }

/**
 * A SHA-256 computed by a worker thread, fed in order; the same thread writes the download's file
 * (`store`). It owns the ring of slots a download reads into, handed to the thread once: one hash
 * serves download after download (`recycle`), so a node that keeps one ready pays neither the
 * thread's start (~40–100 ms on a 2-core VM) nor 8 MiB of fresh memory in its next pull.
 */
export class OffThreadHash {
  private readonly worker = new Worker(WORKER_CODE, { eval: true })
  private readonly pending = new Map<number, { resolve: (hex: string | undefined) => void; reject: (err: Error) => void }>()
  private next = 0
  /** Buffers the worker holds, by slot. */
  private readonly slots = new Map<SharedArrayBuffer, number>()
  /** The download ring (BatchFile's slots), shared with the thread. */
  private readonly ring: Buffer[] = newRing()
  /** False once the thread failed or ended: not to be recycled. */
  private alive = true

  constructor() {
    // an idle thread (started ahead) must not keep the process alive; one with work pending does (call)
    this.worker.unref()
    this.worker.on('message', (m: { id: number; hex?: string; error?: string; code?: string }) => {
      const p = this.pending.get(m.id)
      this.pending.delete(m.id)
      if (this.pending.size === 0) this.worker.unref()
      // a write's error keeps its code (ENOSPC: a full disk)
      if (m.error) p?.reject(Object.assign(new Error(m.code ? m.error : `hashing failed: ${m.error}`), m.code ? { code: m.code } : {}))
      else p?.resolve(m.hex)
    })
    this.worker.on('error', (err) => this.failAll(err))
    this.worker.on('exit', () => this.failAll(new Error('the hashing thread ended')))
    for (const b of this.ring) this.slotOf(b.buffer as SharedArrayBuffer, true)
  }

  /**
   * Opens `path` in the worker (appending, or replacing it) and returns it as BatchFile's store:
   * each put writes a slot there and, with `hash`, adds it to this SHA-256.
   */
  async store(path: string, append: boolean): Promise<SlotStore> {
    await this.call({ op: 'open', path, append })
    return {
      ring: this.ring,
      put: async (sab, len, hash) => {
        await this.call({ op: 'put', slot: this.slotOf(sab), len, hash })
      },
      close: async () => {
        await this.call({ op: 'close-file' })
      }
    }
  }

  /** The worker's index of a shared buffer: each is sent once (a shared buffer per message costs more than a slot's bookkeeping suggests). */
  private slotOf(sab: SharedArrayBuffer, touch = false): number {
    let slot = this.slots.get(sab)
    if (slot === undefined) {
      slot = this.slots.size
      this.slots.set(sab, slot)
      // a thread that ends first fails every later call too: that one reports it
      this.call({ op: 'buffer', sab, slot, touch }).catch(() => undefined)
    }
    return slot
  }

  /** Adds bytes `[0, end)` of a file (the part a resumed download already has). */
  async file(path: string, end: number): Promise<void> {
    if (end > 0) await this.call({ op: 'file', path, end })
  }

  /** Starts over (the server ignored a range). */
  async reset(): Promise<void> {
    await this.call({ op: 'reset' })
  }

  /** Hex digest of everything added. */
  async digest(): Promise<string> {
    return (await this.call({ op: 'digest' })) as string
  }

  /**
   * Ready for another download: its file closed, its hash started over. False when the thread can
   * no longer serve (it failed or ended): then close it and start another.
   */
  async recycle(): Promise<boolean> {
    if (!this.alive) return false
    try {
      await this.call({ op: 'close-file' })
      await this.call({ op: 'reset' })
      return true
    } catch {
      return false
    }
  }

  async close(): Promise<void> {
    this.alive = false
    await this.worker.terminate()
  }

  private call(op: Op): Promise<string | undefined> {
    const id = this.next++
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref()
      this.pending.set(id, { resolve, reject })
      this.worker.postMessage({ ...op, id })
    })
  }

  private failAll(err: Error): void {
    this.alive = false
    for (const p of this.pending.values()) p.reject(err)
    this.pending.clear()
  }
}
