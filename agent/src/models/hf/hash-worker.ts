/**
 * SHA-256 of a download in a worker thread, fed from the shared-memory buffers BatchFile writes: the
 * hash of a 1 MiB slot runs while the same slot is written, off the thread that parses the
 * connection, with no copy of the bytes (a 455 MB file costs ~0.3 s of hashing, which the event loop
 * no longer pays; see specs/benchmarks.md, pull). The worker's code is inline so it runs the same from
 * the sources (tests) and from dist.
 */
import { Worker } from 'node:worker_threads'

const WORKER_CODE = `
const { parentPort } = require('node:worker_threads')
const { createHash } = require('node:crypto')
const { openSync, readSync, closeSync } = require('node:fs')
let hash = createHash('sha256')
const views = []
parentPort.on('message', (m) => {
  try {
    if (m.op === 'buffer') views[m.slot] = new Uint8Array(m.sab)
    else if (m.op === 'update') hash.update(views[m.slot].subarray(0, m.len))
    else if (m.op === 'reset') hash = createHash('sha256')
    else if (m.op === 'file') {
      const fd = openSync(m.path, 'r')
      try {
        const buf = Buffer.allocUnsafe(1 << 22)
        for (let pos = 0; pos < m.end; ) {
          const n = readSync(fd, buf, 0, Math.min(buf.length, m.end - pos), pos)
          if (n === 0) throw new Error('file shorter than ' + m.end + ' bytes')
          hash.update(buf.subarray(0, n))
          pos += n
        }
      } finally {
        closeSync(fd)
      }
    } else if (m.op === 'digest') return parentPort.postMessage({ id: m.id, hex: hash.digest('hex') })
    parentPort.postMessage({ id: m.id })
  } catch (err) {
    parentPort.postMessage({ id: m.id, error: String(err && err.message || err) })
  }
})
`

type Op = { op: 'buffer'; sab: SharedArrayBuffer; slot: number } | { op: 'update'; slot: number; len: number } | { op: 'reset' } | { op: 'file'; path: string; end: number } | { op: 'digest' }

/** A SHA-256 computed by a worker thread, fed in order. */
export class OffThreadHash {
  private readonly worker = new Worker(WORKER_CODE, { eval: true })
  private readonly pending = new Map<number, { resolve: (hex: string | undefined) => void; reject: (err: Error) => void }>()
  private next = 0
  /** Buffers the worker holds, by slot: each is sent once (a shared buffer per message costs more than a slot's bookkeeping suggests). */
  private readonly slots = new Map<SharedArrayBuffer, number>()

  constructor() {
    // an idle thread (started ahead) must not keep the process alive; one with work pending does (call)
    this.worker.unref()
    this.worker.on('message', (m: { id: number; hex?: string; error?: string }) => {
      const p = this.pending.get(m.id)
      this.pending.delete(m.id)
      if (this.pending.size === 0) this.worker.unref()
      if (m.error) p?.reject(new Error(`hashing failed: ${m.error}`))
      else p?.resolve(m.hex)
    })
    this.worker.on('error', (err) => this.failAll(err))
    this.worker.on('exit', () => this.failAll(new Error('the hashing thread ended')))
  }

  /** Adds bytes `[0, len)` of a shared buffer (which must not change until this resolves). */
  async update(sab: SharedArrayBuffer, len: number): Promise<void> {
    let slot = this.slots.get(sab)
    if (slot === undefined) {
      slot = this.slots.size
      this.slots.set(sab, slot)
      void this.call({ op: 'buffer', sab, slot })
    }
    await this.call({ op: 'update', slot, len })
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

  async close(): Promise<void> {
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
    for (const p of this.pending.values()) p.reject(err)
    this.pending.clear()
  }
}
