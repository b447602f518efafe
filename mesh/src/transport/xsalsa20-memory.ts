/**
 * Works around a crash in `xsalsa20` (the stream cipher of @libp2p/pnet, i.e. of every connection of a
 * cluster with a key). All ciphers of the process share one WebAssembly memory (at most 1000 pages,
 * 64 MiB) and each keeps its own view of it. When one cipher grows the memory, every other view is
 * detached (length 0); the next update through a detached view "grows" by its whole working size
 * again, whether or not the memory already has room. Traffic alternating between connections (or the
 * two directions of one) then grows the memory on almost every update until `memory.grow` throws
 * RangeError inside a socket 'message' handler: an uncaught exception, and the node exits. Found by
 * the chaos suite's rogue-member fuzzing (a write over 640 KiB, then ordinary traffic); a few
 * thousand connections over a node's life do the same, since each cipher takes memory it never gives
 * back (pnet never finalizes them: 64 bytes each).
 *
 * The fix: before each update, a cipher whose view was detached takes a fresh view of the current
 * memory, so it grows only when the memory is really too small. Applied once per process; a later
 * xsalsa20 without the WebAssembly path (or with another shape) is left alone.
 */
import { createRequire } from 'node:module'

// the copy pnet itself loads (a dependency of @libp2p/pnet, not of llmlb)
const XSalsa20 = createRequire(import.meta.resolve('@libp2p/pnet'))('xsalsa20') as new (nonce: Uint8Array, key: Uint8Array) => unknown

interface WasmCipher {
  _memory: Uint8Array
  update(input: Uint8Array, output: Uint8Array): void
}

let applied = false

export function fixXsalsa20Memory(): void {
  if (applied) return
  applied = true
  const probe = new XSalsa20(new Uint8Array(24), new Uint8Array(32)) as unknown as { _xor?: WasmCipher; finalize(): void }
  const wasm = probe._xor
  if (wasm === undefined || !(wasm._memory instanceof Uint8Array) || typeof wasm.update !== 'function') return
  const proto = Object.getPrototypeOf(wasm) as WasmCipher
  const update = proto.update
  // one current view, replaced only after a growth detached it
  let current = wasm._memory
  probe.finalize()
  const fresh = (): Uint8Array => {
    if (current.byteLength === 0) {
      const p = new XSalsa20(new Uint8Array(24), new Uint8Array(32)) as unknown as { _xor: WasmCipher; finalize(): void }
      current = p._xor._memory
      p.finalize()
    }
    return current
  }
  proto.update = function (this: WasmCipher, input: Uint8Array, output: Uint8Array): void {
    if (this._memory.byteLength === 0) this._memory = fresh()
    update.call(this, input, output)
    // a growth by this cipher gave it the newest view: share it
    if (this._memory.byteLength > current.byteLength) current = this._memory
  }
}
