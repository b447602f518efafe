/**
 * Ollama's model management on this node's model store, so `ollama pull` / `ollama rm` (and Open
 * WebUI's model download) work against a node:
 *
 * - `POST /api/pull`: the model name as Ollama writes it for Hugging Face (`hf.co/org/repo:Q4_K_M`,
 *   `huggingface.co/…`), an `org/repo[:QUANT]`, or a catalog name (`qwen2.5`, `qwen2.5:Q8_0`), pulled
 *   by the node's PullManager (resume, SHA-256, one download per file). Streamed as Ollama's progress
 *   lines — `pulling manifest`, `pulling <digest>` with `total`/`completed` per file, `verifying sha256
 *   digest`, `writing manifest`, `success` — or, with `stream: false`, one `{"status":"success"}` when
 *   the model is stored. A pull that fails after it started ends the stream with `{"error": "..."}`
 *   (Ollama clients throw it); the client leaving does not stop the download (it goes on, as a pull
 *   asked through `/api/models/pull` does).
 * - `DELETE /api/delete`: an alias is removed (its model stays); otherwise the model stored on this
 *   node is unloaded and forgotten, and the files it pulled deleted.
 * - `POST /api/copy`: `destination` becomes a cluster-wide alias of `source` (models/aliases.ts) — a
 *   second name for the same model, as Ollama's copy is a second manifest for the same blobs.
 *
 * A node without a model store answers pull and delete with 501 `model_management_unavailable`.
 */
import { Readable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import type { PullRecord } from '../../models/model-record.js'
import { parseBody } from '../../http/schemas/parse-body.js'
import { clientGoneSignal } from '../../http/request-signal.js'
import { InvalidRequestError, ModelManagementUnavailableError, UnknownModelError } from '../../errors/errors.js'
import { AliasNameSchema, type ModelAliases } from '../../models/aliases.js'
import { PullFailedError } from '../../models/model-errors.js'
import '../../http/error-shape.js'
import '../../http/openapi/route-doc.js'
import { CopyRequestSchema, DeleteRequestSchema, PullRequestSchema } from './schemas.js'
import { findModel, type OllamaModelDeps } from './models.js'
import { modelIdOf } from './to-chat.js'
import { ollamaErrorOf } from './errors.js'
import { NDJSON_HEADERS } from './routes.js'

/** What the routes need of the node's model manager. */
export interface OllamaModelStore extends EventTarget {
  pull(source: string, quant?: string): Promise<PullRecord>
  pullList(): PullRecord[]
  remove(id: string): Promise<unknown>
}

/** One progress line of Ollama's pull stream. */
export interface PullProgress {
  status: string
  digest?: string
  total?: number
  completed?: number
}

/**
 * The pull source and quantization of an Ollama model name: `:latest` means the default quantization;
 * a catalog name's tag is a quantization (`qwen2.5:Q8_0`); a repo (with `/`) is passed as it is (the
 * hub source parser reads `hf.co/…` and `org/repo:QUANT`).
 */
export function pullSourceOf(name: string): { source: string; quant?: string } {
  let n = name.trim()
  if (n.toLowerCase().endsWith(':latest')) n = n.slice(0, -':latest'.length)
  const colon = n.lastIndexOf(':')
  if (!n.includes('/') && colon > 0) return { source: n.slice(0, colon), quant: n.slice(colon + 1) }
  return { source: n }
}

/**
 * The progress lines that `rec` adds to what was sent (`sent`: bytes reported per file, updated), and
 * whether the pull has ended (done or failed). Pure.
 */
export function progressOf(rec: PullRecord, sent: Map<string, number>): { lines: (PullProgress | { error: string })[]; ended: boolean } {
  const lines: (PullProgress | { error: string })[] = []
  for (const f of rec.files) {
    // a file already on disk was checked before; a running one reports what arrived
    const completed = rec.state === 'done' ? f.size : f.received
    if (sent.get(f.name) === completed) continue
    sent.set(f.name, completed)
    lines.push({ status: `pulling ${f.sha256.slice(0, 12)}`, digest: `sha256:${f.sha256}`, total: f.size, completed })
  }
  if (rec.state === 'failed') return { lines: [...lines, { error: rec.error ?? `pulling ${rec.repo} failed` }], ended: true }
  if (rec.state === 'done') return { lines: [...lines, { status: 'verifying sha256 digest' }, { status: 'writing manifest' }, { status: 'success' }], ended: true }
  return { lines, ended: false }
}

/**
 * Yields the pull's progress lines until it ends or `signal` fires. Woken by the store's `change`
 * events (progress is pushed at most every 200 ms); the waiter is set before the state is read, so a
 * change in between is never missed.
 */
export async function* pullProgress(store: OllamaModelStore, first: PullRecord, signal: AbortSignal): AsyncGenerator<PullProgress | { error: string }> {
  const sent = new Map<string, number>()
  let wake = (): void => undefined
  const onChange = (): void => wake()
  store.addEventListener('change', onChange)
  signal.addEventListener('abort', onChange)
  try {
    yield { status: 'pulling manifest' }
    for (;;) {
      const next = new Promise<void>((resolve) => (wake = resolve))
      const rec = store.pullList().find((p) => p.id === first.id) ?? { ...first, state: 'failed' as const, error: `the pull of ${first.repo} was cancelled` }
      const { lines, ended } = progressOf(rec, sent)
      yield* lines
      if (ended || signal.aborted) return
      await next
      if (signal.aborted) return
    }
  } finally {
    store.removeEventListener('change', onChange)
    signal.removeEventListener('abort', onChange)
  }
}

async function* ndjson(lines: AsyncIterable<unknown>): AsyncGenerator<string> {
  for await (const l of lines) yield `${JSON.stringify(l)}\n`
}

const manage = { access: { scope: 'models:manage' as const }, errorShape: ollamaErrorOf }

export interface OllamaModelAdminDeps extends OllamaModelDeps {
  /** This node's model store; absent: pull and delete answer 501. */
  store?: OllamaModelStore
  aliases?: Pick<ModelAliases, 'get' | 'all' | 'set' | 'delete'>
}

/** Registers `/api/pull`, `/api/delete` and `/api/copy`. */
export async function ollamaModelAdminRoutes(app: FastifyInstance, deps: OllamaModelAdminDeps): Promise<void> {
  const storeOf = (what: string): OllamaModelStore => {
    if (!deps.store) throw new ModelManagementUnavailableError(what)
    return deps.store
  }
  const nameOf = (body: { model?: string | undefined; name?: string | undefined }): string => {
    const name = body.model ?? body.name
    if (name === undefined || name.trim() === '') throw new InvalidRequestError("'model' is required", 'model')
    return name
  }

  app.post('/api/pull', { config: { ...manage, openapi: { summary: 'Ollama: pull a model onto this node (Hugging Face repo or catalog name; NDJSON progress unless stream is false)', body: PullRequestSchema } } }, async (request, reply) => {
    const req = parseBody(PullRequestSchema, request.body)
    const { source, quant } = pullSourceOf(nameOf(req))
    // resolving the repo and checking room happen before the answer starts: their errors get a status
    const store = storeOf('Pulling models')
    const rec = await store.pull(source, quant)
    request.log.info({ pull: rec.id, by: request.identity?.name }, 'model pull requested (ollama)')
    const signal = clientGoneSignal(reply)
    if (req.stream !== false) return reply.headers(NDJSON_HEADERS).send(Readable.from(ndjson(pullProgress(store, rec, signal))))
    let last: PullProgress | { error: string } = { status: 'success' }
    for await (const line of pullProgress(store, rec, signal)) last = line
    if ('error' in last) throw new PullFailedError(last.error)
    return { status: 'success' }
  })

  app.delete('/api/delete', { config: { ...manage, openapi: { summary: 'Ollama: delete a model stored on this node (its pulled files too)', body: DeleteRequestSchema } } }, async (request, reply) => {
    const req = parseBody(DeleteRequestSchema, request.body)
    const name = nameOf(req)
    // aliases are kept under the name copy gave them, without `:latest` (modelIdOf)
    if (await deps.aliases?.delete(modelIdOf(name))) return reply.status(200).send()
    await storeOf('Deleting models').remove(modelIdOf(name))
    return reply.status(200).send()
  })

  app.post('/api/copy', { config: { ...manage, openapi: { summary: 'Ollama: copy a model (the destination becomes a cluster-wide alias of the source)', body: CopyRequestSchema } } }, async (request, reply) => {
    const req = parseBody(CopyRequestSchema, request.body)
    if (!deps.aliases) throw new ModelManagementUnavailableError('Copying models')
    const source = findModel(deps, req.source)
    if (!source) throw new UnknownModelError(req.source)
    const destination = modelIdOf(req.destination)
    if (!AliasNameSchema.safeParse(destination).success) throw new InvalidRequestError(`'${req.destination}' is not a model name: 1–200 printable characters without spaces`, 'destination')
    if (deps.models().some((m) => m.id === destination)) throw new InvalidRequestError(`'${destination}' is already a model of the cluster; delete it first or choose another name`, 'destination')
    await deps.aliases.set(destination, source.id)
    request.log.info({ alias: destination, model: source.id, by: request.identity?.name }, 'model alias set (ollama copy)')
    return reply.status(200).send()
  })
}
