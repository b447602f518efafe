/**
 * The multipart parser of a routes plugin (audio, images): the body is parsed from the socket as it
 * arrives (`readMultipart`, files spooled), never gathered first. The route reads the parsed upload
 * with the returned getter; history sees the summary the plugin returns as the request body.
 *
 * The spooled files belong to the HTTP exchange: they are removed when its response closes — sent,
 * failed, or the client gone — whatever the route did with them (served here, forwarded, failed over).
 * A parse that fails removes its own files.
 */
import type { IncomingMessage } from 'node:http'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { AgentError } from '../errors/errors.js'
import { readMultipart, removeForm, UploadTooLargeError, type MultipartOptions, type StreamedForm } from './multipart.js'

export interface StreamedUploadsOptions<T> extends MultipartOptions {
  /** Refuses a request before its body is read (throws), e.g. a form sent to a JSON route. */
  before?: (request: FastifyRequest) => void
  /** Validates the form (throws a 400) into the route's value and what history records as the body. */
  parse: (form: StreamedForm, request: FastifyRequest) => Promise<{ value: T; summary: unknown }> | { value: T; summary: unknown }
}

interface Upload<T> {
  value?: T
  form?: StreamedForm
  closed: boolean
}

/** Registers the parser on `app` (an encapsulated plugin); returns how a route gets its parsed upload. */
export function streamedUploads<T>(app: FastifyInstance, opts: StreamedUploadsOptions<T>): (request: FastifyRequest) => T | undefined {
  const uploads = new WeakMap<FastifyRequest, Upload<T>>()
  app.addHook('onRequest', async (request, reply) => {
    const upload: Upload<T> = { closed: false }
    uploads.set(request, upload)
    reply.raw.once('close', () => {
      upload.closed = true
      if (upload.form) void removeForm(upload.form)
    })
  })
  app.addContentTypeParser('multipart/form-data', async (request: FastifyRequest, payload: IncomingMessage) => {
    // a declared length over the limit is refused before a byte is read, as fastify's body limit does
    if (Number(request.headers['content-length']) > opts.maxBytes) throw new UploadTooLargeError(opts.maxBytes)
    opts.before?.(request)
    const form = await readMultipart(payload, request.headers['content-type'] ?? '', opts)
    const upload = uploads.get(request)
    if (upload === undefined || upload.closed) {
      await removeForm(form)
      throw new AgentError('aborted', 'The client closed the request', { param: null })
    }
    upload.form = form
    const { value, summary } = await opts.parse(form, request)
    upload.value = value
    return summary
  })
  return (request) => uploads.get(request)?.value
}
