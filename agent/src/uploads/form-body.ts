/**
 * A parsed upload encoded again as multipart/form-data, to forward it: the text fields as the client
 * sent them, then each file part from memory or read from its spool file. The bytes are never assembled: the body
 * is a `ForwardBodySource` (its exact length, known from the parts, and a fresh read per attempt), so
 * the mesh streams it and a failover to the next holder reads the same files again.
 */
import { createReadStream } from 'node:fs'
import { randomBytes } from 'node:crypto'
import type { ForwardBodySource } from '../../../mesh/src/index.js'
import type { SpooledFile, StreamedForm } from './multipart.js'

/** Spool reads in chunks of this size: a few forward frames each. */
const READ_CHUNK_BYTES = 256 * 1024

const enc = new TextEncoder()

/** A name or filename inside a quoted header parameter, escaped as browsers do (WHATWG HTML). */
const quoted = (s: string): string => s.replace(/\r/g, '%0D').replace(/\n/g, '%0A').replace(/"/g, '%22')

export interface FormBody extends ForwardBodySource {
  contentType: string
}

export function formBody(form: StreamedForm): FormBody {
  const boundary = `----llmlb${randomBytes(12).toString('hex')}`
  const pieces: (Uint8Array | SpooledFile)[] = []
  for (const [name, value] of form.fields) pieces.push(enc.encode(`--${boundary}\r\nContent-Disposition: form-data; name="${quoted(name)}"\r\n\r\n${value}\r\n`))
  for (const f of form.files) {
    pieces.push(enc.encode(`--${boundary}\r\nContent-Disposition: form-data; name="${quoted(f.field)}"; filename="${quoted(f.name)}"\r\nContent-Type: ${f.type || 'application/octet-stream'}\r\n\r\n`))
    pieces.push(f, enc.encode('\r\n'))
  }
  pieces.push(enc.encode(`--${boundary}--\r\n`))
  const byteLength = pieces.reduce((n, p) => n + (p instanceof Uint8Array ? p.byteLength : p.bytes), 0)
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    byteLength,
    async *open() {
      for (const p of pieces) {
        if (p instanceof Uint8Array) yield p
        else if (p.data) yield p.data
        else yield* createReadStream(p.path, { highWaterMark: READ_CHUNK_BYTES }) as AsyncIterable<Buffer>
      }
    }
  }
}
