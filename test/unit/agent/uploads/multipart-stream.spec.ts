/**
 * The streaming multipart parser and the spool: fields after the file, the size limit hit mid-stream,
 * a `file` sent as text, malformed bodies, a sender gone mid-upload — and every spooled file removed
 * whenever the parse fails. The form re-encoded for a forward parses back to the same fields and file.
 */
import { readdir, readFile } from 'node:fs/promises'
import { PassThrough } from 'node:stream'
import { afterAll, describe, expect, it } from 'vitest'
import { acceptAudioFile, transcriptionUpload } from '../../../../agent/src/audio/transcription-request.js'
import { fileBytes, fileHead, formBody, readMultipart, removeForm, UploadSpool, type SpooledFile } from '../../../../agent/src/uploads/index.js'
import { PART_MEMORY_BYTES } from '../../../../agent/src/uploads/multipart.js'

const spool = new UploadSpool()
afterAll(() => spool.close())

/** Files in the spool directory now. */
async function spooled(): Promise<string[]> {
  const dir = await spool.directory()
  return dir ? readdir(dir) : []
}

/** A multipart body built by the platform, in the order given, cut into chunks of `chunk` bytes. */
async function multipart(entries: [string, string | Blob, string?][], chunk = 1000): Promise<{ chunks: Uint8Array[]; type: string; bytes: Uint8Array }> {
  const f = new FormData()
  for (const [k, v, name] of entries) (typeof v === 'string' ? f.append(k, v) : f.append(k, v, name ?? 'a.wav'))
  const r = new Response(f)
  const bytes = new Uint8Array(await r.arrayBuffer())
  const chunks: Uint8Array[] = []
  for (let at = 0; at < bytes.byteLength; at += chunk) chunks.push(bytes.subarray(at, at + chunk))
  return { chunks, type: r.headers.get('content-type') as string, bytes }
}

const audio = new Uint8Array(50_000).map((_, i) => (i * 7) & 0xff)
const opts = { spool, maxBytes: 100_000, accept: acceptAudioFile }

describe('streaming multipart uploads', () => {
  it('spools the file as it arrives and reads the fields sent after it (the openai client sends file first)', async () => {
    const { chunks, type } = await multipart([['file', new Blob([audio]), 'clip.wav'], ['model', 'tiny-whisper'], ['response_format', 'text'], ['file', new Blob([new Uint8Array(10)]), 'second.wav']])
    const form = await readMultipart(chunks, type, opts)
    try {
      const upload = transcriptionUpload(form)
      expect(upload.fields).toMatchObject({ model: 'tiny-whisper', response_format: 'text', file: { name: 'clip.wav', bytes: audio.byteLength } })
      // a part within the memory bound is held in memory only: nothing was written to the spool
      expect(new Uint8Array(upload.file.data ?? [])).toEqual(audio)
      expect(upload.file.path).toBe('')
      expect(await spooled()).toEqual([])
      expect(new Uint8Array(await fileBytes(upload.file))).toEqual(audio)
      expect(new Uint8Array(await fileHead(upload.file, 4))).toEqual(audio.subarray(0, 4))
      // only the first `file` part is kept, as before
      expect(form.files).toHaveLength(1)
      expect(form.skipped).toEqual(['file'])
    } finally {
      await removeForm(form)
    }
    expect(await spooled()).toEqual([])
  })

  it('stops at the size limit mid-stream with a 413, and the partly written file is removed', async () => {
    const { chunks, type } = await multipart([['model', 'm'], ['file', new Blob([audio]), 'clip.wav']])
    let read = 0
    async function* counted() {
      for (const c of chunks) {
        read += c.byteLength
        yield c
      }
    }
    await expect(readMultipart(counted(), type, { ...opts, maxBytes: 20_000 })).rejects.toMatchObject({ code: 'request_too_large', message: expect.stringContaining('20000') })
    // it stopped reading at the limit, not at the end of the body
    expect(read).toBeLessThanOrEqual(21_000)
    expect(await spooled()).toEqual([])
  })

  it('removes the spooled file when the sender goes away mid-upload, and rethrows its error', async () => {
    const { chunks, type } = await multipart([['file', new Blob([audio]), 'clip.wav'], ['model', 'm']])
    async function* dies() {
      yield* chunks.slice(0, 20)
      throw Object.assign(new Error('aborted'), { code: 'ECONNRESET' })
    }
    await expect(readMultipart(dies(), type, opts)).rejects.toMatchObject({ code: 'ECONNRESET' })
    expect(await spooled()).toEqual([])
  })

  it('a `file` sent as text, a missing file, a malformed body and a bad boundary are 400s naming what is wrong', async () => {
    const asText = await multipart([['file', 'not a file'], ['model', 'm']])
    const textForm = await readMultipart(asText.chunks, asText.type, opts)
    expect(() => transcriptionUpload(textForm)).toThrow(expect.objectContaining({ code: 'invalid_audio', param: 'file' }))
    const none = await multipart([['model', 'm']])
    const noneForm = await readMultipart(none.chunks, none.type, opts)
    expect(() => transcriptionUpload(noneForm)).toThrow(expect.objectContaining({ code: 'invalid_request', param: 'file' }))
    // cut off before its closing boundary, halfway through the file
    const cut = await multipart([['model', 'm'], ['file', new Blob([audio]), 'clip.wav']])
    await expect(readMultipart([cut.bytes.subarray(0, 30_000)], cut.type, opts)).rejects.toMatchObject({ code: 'invalid_request', message: expect.stringContaining('could not be parsed') })
    await expect(readMultipart([new TextEncoder().encode('garbage')], 'multipart/form-data', opts)).rejects.toMatchObject({ code: 'invalid_request' })
    const badField = await multipart([['model', 'm'], ['temperature', 'hot'], ['file', new Blob([audio]), 'clip.wav']])
    const badForm = await readMultipart(badField.chunks, badField.type, opts)
    expect(() => transcriptionUpload(badForm)).toThrow(expect.objectContaining({ code: 'invalid_request', param: 'temperature' }))
    await removeForm(badForm)
    expect(await spooled()).toEqual([])
  })

  it('the form re-encoded to forward has the length it announces and parses back to the same fields and file, once per open', async () => {
    const { chunks, type } = await multipart([['file', new Blob([audio]), 'a "quoted"\nname.wav'], ['model', 'tiny-whisper'], ['timestamp_granularities[]', 'word'], ['timestamp_granularities[]', 'segment']])
    const form = await readMultipart(chunks, type, opts)
    const body = formBody(form)
    for (let attempt = 0; attempt < 2; attempt++) {
      const parts: Uint8Array[] = []
      for await (const c of body.open()) parts.push(c)
      expect(parts.reduce((n, c) => n + c.byteLength, 0)).toBe(body.byteLength)
      const again = await readMultipart(parts, body.contentType, opts)
      expect(again.fields).toEqual(form.fields)
      expect(new Uint8Array(await fileBytes(again.files[0] as SpooledFile))).toEqual(audio)
      await removeForm(again)
    }
    await removeForm(form)
    expect(await spooled()).toEqual([])
  })

  describe('from a socket-like stream (the ingress reads the request in flowing mode)', () => {
    const big = new Uint8Array(PART_MEMORY_BYTES + 300_000)
    for (let i = 0; i < big.length; i++) big[i] = (i * 13) & 0xff
    const bigOpts = { ...opts, maxBytes: 2 * big.byteLength }

    it('a part larger than the memory bound is on disk before the body ends, and parses whole', async () => {
      const { chunks, type } = await multipart([['file', new Blob([big]), 'long.wav'], ['model', 'm']], 64 * 1024)
      const source = new PassThrough()
      const parsed = readMultipart(source, type, bigOpts)
      const last = chunks.pop() as Uint8Array
      for (const c of chunks) source.write(c)
      // everything but the last chunk is in: the part went past the bound, so its file exists already
      await expect.poll(spooled).toHaveLength(1)
      source.end(last)
      const form = await parsed
      // Buffer.equals: a deep toEqual over 2 MB of elements takes seconds
      expect((await readFile(form.files[0]?.path as string)).equals(big)).toBe(true)
      // a streamed part is only on disk: nothing of its size stays in memory
      expect(form.files[0]?.data).toBeUndefined()
      expect(new Uint8Array(await fileHead(form.files[0] as SpooledFile, 4))).toEqual(big.subarray(0, 4))
      expect(form.fields).toEqual([['model', 'm']])
      // forwarded, the spooled part is read from its file and parses back whole
      const body = formBody(form)
      const again = await readMultipart(body.open(), body.contentType, bigOpts)
      expect((await fileBytes(again.files[0] as SpooledFile)).equals(big)).toBe(true)
      await removeForm(again)
      await removeForm(form)
      expect(await spooled()).toEqual([])
    })

    it('a stream closed mid-part (in memory or on disk) rejects, and nothing stays in the spool', async () => {
      for (const payload of [audio, big]) {
        const { chunks, type } = await multipart([['file', new Blob([payload]), 'clip.wav'], ['model', 'm']], 64 * 1024)
        const source = new PassThrough()
        const parsed = readMultipart(source, type, bigOpts)
        for (const c of chunks.slice(0, Math.ceil(chunks.length / 2))) source.write(c)
        source.destroy()
        await expect(parsed).rejects.toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' })
        expect(await spooled()).toEqual([])
      }
    })

    it('stops reading at the size limit with a 413', async () => {
      const { chunks, type } = await multipart([['file', new Blob([big]), 'long.wav']], 64 * 1024)
      const source = new PassThrough()
      const parsed = readMultipart(source, type, { ...opts, maxBytes: 500_000 })
      for (const c of chunks) source.write(c)
      await expect(parsed).rejects.toMatchObject({ code: 'request_too_large' })
      expect(await spooled()).toEqual([])
      source.destroy()
    })
  })
})
