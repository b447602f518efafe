/**
 * A libp2p stream as a Node.js Duplex of raw bytes (`MeshTunnel`), so it can be piped to and from a
 * `net.Socket` with Node's own back-pressure and half-close:
 * - read side: bytes from 'message' events are pushed; when the consumer is full (`push` returns
 *   false) the stream is paused (yamux stops granting window to the sender) and resumed on `_read`.
 *   Both go through a `ReadGate` (a pause from inside a resume must outlast it).
 * - write side: `send` returning false holds the write callback until the stream drains.
 * - `end()` closes the stream's writable end (the peer sees end-of-data); the peer's close of its
 *   writable end ends this readable side. `destroy()` resets the stream, so the other end errors.
 * - the stream closed for good (both ways) destroys the duplex once its reader has the last bytes.
 */
import { Duplex } from 'node:stream'
import type { MeshTunnel } from '../interfaces.js'
import { nextDrain } from '../transport/next-drain.js'
import { ReadGate } from '../transport/read-gate.js'
import { PAUSED_READ_BUFFER_BYTES } from '../constants.js'
import type { Stream, StreamCloseEvent, StreamMessageEvent } from '@libp2p/interface'
import type { Uint8ArrayList } from 'uint8arraylist'

export class StreamTunnel extends Duplex implements MeshTunnel {
  readonly peerId: string
  readonly service: string
  bytesIn = 0
  bytesOut = 0
  private readonly stream: Stream
  /** Writes wait for this: the serving side may not send before it accepted the tunnel. */
  private gate: Promise<void> | undefined
  private detached = false
  /** Pauses and resumes what the stream reads. */
  private readonly reading: ReadGate

  constructor(stream: Stream, peerId: string, service: string, gate?: Promise<void>) {
    super({ allowHalfOpen: true })
    this.stream = stream
    this.peerId = peerId
    this.service = service
    this.gate = gate
    this.reading = new ReadGate(stream)
    stream.addEventListener('message', this.onMessage)
    stream.addEventListener('remoteCloseWrite', this.onRemoteCloseWrite)
    stream.addEventListener('close', this.onClose)
    // A tunnel idles for as long as its service does (a worker between requests).
    stream.inactivityTimeout = 0
    // paused while its socket is slow (a worker copying a tensor): what the sender was already granted
    // must fit, or libp2p resets the stream and the lease is lost mid-load
    stream.maxReadBufferLength = Math.max(stream.maxReadBufferLength, PAUSED_READ_BUFFER_BYTES)
    if (stream.readableEnded || stream.remoteWriteStatus !== 'writable') this.push(null)
  }

  override _read(): void {
    this.reading.resume()
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const send = (): void => {
      try {
        this.bytesOut += chunk.byteLength
        if (this.stream.send(chunk)) callback()
        // each drain awaited on its own (next-drain.ts): libp2p's onDrain() stops waiting after the first
        else nextDrain(this.stream, undefined, () => new Error('the tunnel stream closed')).then(() => callback(), callback)
      } catch (err) {
        callback(err as Error)
      }
    }
    if (this.gate === undefined) send()
    else this.gate.then(() => { this.gate = undefined; send() }, callback)
  }

  override _final(callback: (error?: Error | null) => void): void {
    const close = (): void => { this.stream.close().then(() => callback(), callback) }
    if (this.gate === undefined) close()
    else this.gate.then(close, callback)
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const owned = !this.detached
    this.detach()
    if (owned && this.stream.status === 'open' || this.stream.status === 'closing') this.stream.abort(error ?? new Error('tunnel closed'))
    callback(error)
  }

  /** Stops listening to the stream and gives it up: a later destroy leaves it alone (a refusal still has to be sent on it). */
  detach(): void {
    this.detached = true
    this.stream.removeEventListener('message', this.onMessage)
    this.stream.removeEventListener('remoteCloseWrite', this.onRemoteCloseWrite)
    this.stream.removeEventListener('close', this.onClose)
  }

  private readonly onMessage = (evt: StreamMessageEvent): void => {
    const data: Uint8Array | Uint8ArrayList = evt.data
    const bytes = data instanceof Uint8Array ? data : data.subarray()
    this.bytesIn += bytes.byteLength
    if (!this.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))) this.reading.pause()
  }

  private readonly onRemoteCloseWrite = (): void => {
    this.push(null)
  }

  private readonly onClose = (evt: StreamCloseEvent): void => {
    if (evt.error !== undefined) return void this.destroy(evt.error)
    // a clean close (both ends finished, or the far node closed its streams as it stopped): the reader
    // takes the rest, and then the duplex goes, even if its writer never ended — nothing it wrote
    // could arrive any more, and a bridged socket must not stay half-open waiting for an answer
    this.push(null)
    if (this.readableEnded) this.destroy()
    else this.once('end', () => this.destroy())
  }
}
