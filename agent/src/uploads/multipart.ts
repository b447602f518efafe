/**
 * A multipart/form-data body parsed as it arrives (from the socket at the ingress, from the forward
 * stream at the serving node), never held whole: `@fastify/busboy` is fed chunk by chunk with its own
 * back-pressure, text fields are collected, and each accepted file part is written to the spool as it
 * comes. The size limit is enforced while reading: past it the read stops with a 413. Fields may come
 * after the file (the openai client sends `file` first), which is why a large file is spooled, not held;
 * a part within PART_MEMORY_BYTES is only held (`SpooledFile.data`).
 * On any failure (too large, malformed, the sender gone) every file spooled so far is removed.
 */
import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import { open, readFile } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { Busboy, type BusboyInstance } from '@fastify/busboy'
import { AgentError, InvalidRequestError } from '../errors/errors.js'
import { removeFiles, type UploadSpool } from './spool.js'
import type { ForwardedRequest } from '../../../mesh/src/index.js'

/**
 * Up to this many bytes of a file part are kept in memory and never written; a larger part streams to
 * its spool file. A 30 s WAV (~1 MB) written chunk by chunk cost a thread-pool round trip per 64 KiB
 * chunk, and the request waited for the last of them; written whole it still cost ~1.5 ms a request
 * (open, write, close, then the unlink) for bytes every consumer read from memory anyway.
 */
export const PART_MEMORY_BYTES = 2 * 1024 * 1024

/** A file part written to the spool. */
export interface SpooledFile {
  field: string
  /** The part's filename ('' when the client gave none). */
  name: string
  /** The part's content type as the client sent it. */
  type: string
  /** The spool file ('' when the part is held in `data` only). */
  path: string
  bytes: number
  /** The part's bytes when it was gathered whole (up to PART_MEMORY_BYTES): then nothing is on disk. */
  data?: Buffer
}

/** The bytes of a file part, from memory or read from its spool file. */
export function fileBytes(file: SpooledFile): Promise<Buffer> {
  return file.data ? Promise.resolve(file.data) : readFile(file.path)
}

/** The first `n` bytes of a file part (its magic number). */
export async function fileHead(file: SpooledFile, n: number): Promise<Buffer> {
  if (file.data) return file.data.subarray(0, n)
  const fh = await open(file.path)
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(n), 0, n, 0)
    return buffer.subarray(0, bytesRead)
  } finally {
    await fh.close()
  }
}

/** A parsed form: text fields in order (repeated names kept), the spooled files, the file parts left out. */
export interface StreamedForm {
  fields: [string, string][]
  files: SpooledFile[]
  /** Field names of file parts not accepted (not spooled). */
  skipped: string[]
}

export interface MultipartOptions {
  spool: UploadSpool
  /** Largest body (bytes); more is a 413 `request_too_large`. */
  maxBytes: number
  /** Whether to spool a file part of this field, given the files spooled so far; others are skipped. */
  accept: (field: string, files: readonly SpooledFile[]) => boolean
}

/** The body is over the upload limit (the same code and status as fastify's own body limit). */
export class UploadTooLargeError extends AgentError {
  constructor(maxBytes: number) {
    super('request_too_large', `Request body is too large: the limit is ${maxBytes} bytes`, { param: null })
  }
}

const malformed = (err: unknown): InvalidRequestError => new InvalidRequestError(`The multipart body could not be parsed: ${(err as Error).message}`, null)

/** Every spooled file of `form` removed. */
export function removeForm(form: StreamedForm): Promise<void> {
  return removeFiles(form.files.map((f) => f.path).filter(Boolean))
}

/** Parses `source` (a multipart body of `contentType`) as it arrives; throws a 400, a 413, or the source's own error. */
export async function readMultipart(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array> | Readable, contentType: string, opts: MultipartOptions): Promise<StreamedForm> {
  let bb: BusboyInstance
  try {
    // busboy's default 16 KiB marks made the socket loop wait on a drain for nearly every chunk
    bb = new Busboy({ headers: { 'content-type': contentType }, highWaterMark: PART_MEMORY_BYTES, fileHwm: PART_MEMORY_BYTES })
  } catch (err) {
    throw malformed(err)
  }
  const form: StreamedForm = { fields: [], files: [], skipped: [] }
  const writes: Promise<void>[] = []
  const parts = new Set<Readable>()
  bb.on('file', (field, stream, filename, _encoding, mime) => {
    if (!opts.accept(field, form.files)) {
      form.skipped.push(field)
      return void stream.resume()
    }
    const file: SpooledFile = { field, name: filename, type: mime, path: '', bytes: 0 }
    form.files.push(file)
    parts.add(stream)
    writes.push(spoolPart(opts.spool, stream, file).finally(() => parts.delete(stream)))
  })
  bb.on('field', (name, value) => void form.fields.push([name, value]))
  const finished = new Promise<void>((resolve, reject) => {
    bb.on('finish', resolve)
    bb.on('error', (err: Error) => reject(malformed(err)))
  })
  finished.catch(() => undefined)
  try {
    if (source instanceof Readable) await feedReadable(source, bb, opts.maxBytes, finished)
    else {
      let total = 0
      for await (const chunk of source) {
        total += chunk.byteLength
        if (total > opts.maxBytes) throw new UploadTooLargeError(opts.maxBytes)
        // busboy's own back-pressure: a file part waits for the spool write
        if (!bb.write(chunk)) await Promise.race([once(bb, 'drain'), finished])
      }
    }
    bb.end()
    await finished
    await Promise.all(writes)
    return form
  } catch (err) {
    // parts still being written end now, so their writes settle and the files can go
    for (const p of parts) p.destroy(err as Error)
    bb.destroy()
    await Promise.allSettled(writes)
    await removeForm(form)
    throw err
  }
}

/**
 * Feeds a socket (or any Readable) to busboy in flowing mode, paused only while busboy asks for a drain:
 * an async iterator over the socket took a promise turn per chunk, and a 1 MB upload arrived ~3× slower.
 * Rejects on the size limit, the source's error or premature close, or busboy's error.
 */
function feedReadable(source: Readable, bb: BusboyInstance, maxBytes: number, finished: Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    let total = 0
    let done = false
    const stop = (err?: Error): void => {
      if (done) return
      done = true
      source.off('data', onData).off('end', onEnd).off('error', stop).off('close', onClose)
      bb.off('drain', onDrain)
      if (err) {
        source.pause()
        reject(err)
      } else resolve()
    }
    const onDrain = (): void => void source.resume()
    const onData = (chunk: Buffer): void => {
      total += chunk.byteLength
      if (total > maxBytes) return stop(new UploadTooLargeError(maxBytes))
      if (!bb.write(chunk)) {
        source.pause()
        bb.once('drain', onDrain)
      }
    }
    const onEnd = (): void => stop()
    const onClose = (): void => stop(Object.assign(new Error('The request body ended early'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }))
    finished.catch((err: Error) => stop(err))
    source.on('data', onData).once('end', onEnd).once('error', stop).once('close', onClose)
  })
}

async function spoolPart(spool: UploadSpool, stream: Readable, file: SpooledFile): Promise<void> {
  const head = await gather(stream, PART_MEMORY_BYTES)
  if (head.ended) {
    file.data = Buffer.concat(head.chunks)
    file.bytes = file.data.byteLength
    return
  }
  // gather left the stream paused past the bound: the rest waits while the file is made
  file.path = await spool.nextPath()
  const out = createWriteStream(file.path, { mode: 0o600, highWaterMark: PART_MEMORY_BYTES })
  for (const chunk of head.chunks) out.write(chunk)
  await pipeline(stream, out)
  file.bytes = out.bytesWritten
}

/** Reads `stream` until it ends or more than `limit` bytes came (then it is left paused). */
function gather(stream: Readable, limit: number): Promise<{ chunks: Buffer[]; ended: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let bytes = 0
    const settle = (): void => {
      stream.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose)
    }
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk)
      bytes += chunk.byteLength
      if (bytes <= limit) return
      stream.pause()
      settle()
      resolve({ chunks, ended: false })
    }
    const onEnd = (): void => {
      settle()
      resolve({ chunks, ended: true })
    }
    const onError = (err: Error): void => {
      settle()
      reject(err)
    }
    // destroyed without an error (the parse ended under it): nothing more will come
    const onClose = (): void => onError(new Error('The file part ended before its last byte'))
    stream.on('data', onData).once('end', onEnd).once('error', onError).once('close', onClose)
    stream.resume()
  })
}

/**
 * Serves a forwarded upload: its body (streamed in, or whole) parsed as it arrives into `spool`,
 * bounded by what the mesh announced, handed to `serve`, and the spooled files removed whatever happens.
 */
export async function withForwardedForm<T>(req: ForwardedRequest, opts: Pick<MultipartOptions, 'spool' | 'accept'>, serve: (form: StreamedForm) => Promise<T>): Promise<T> {
  const form = await readMultipart(req.stream ?? [req.body], req.headers['content-type'] ?? '', { ...opts, maxBytes: req.stream?.byteLength ?? req.body.byteLength })
  try {
    return await serve(form)
  } finally {
    await removeForm(form)
  }
}
