/**
 * Ollama's model routes on every node: `/api/tags` (the cluster's models), `/api/ps` (models loaded
 * across the cluster; a model alias made by `/api/copy` is listed as a model of its own), `/api/show`
 * (aliases resolved), `/api/version`. Pure shaping of the cluster's model list; pull, delete and copy
 * are in model-admin.ts.
 */
import { createHash } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { ClusterModel } from '../../inference/cluster-models.js'
import type { ModelAliases } from '../../models/aliases.js'
import { InvalidRequestError, UnknownModelError } from '../../errors/errors.js'
import { parseBody } from '../../http/schemas/parse-body.js'
import '../../http/error-shape.js'
import '../../http/openapi/route-doc.js'
import { ShowRequestSchema } from './schemas.js'
import { modelIdOf } from './to-chat.js'
import { ollamaErrorOf } from './errors.js'

/** The Ollama API version this node answers like (clients check it for features: tools, `format` schemas). */
export const OLLAMA_COMPAT_VERSION = '0.9.0'

/** Models stay loaded until the node stops: `expires_at` of /api/ps is far away. */
const NEVER_EXPIRES = '2099-01-01T00:00:00Z'

/** The cluster's model list (loaded here or on a live peer). */
export interface OllamaModelDeps {
  models: () => ClusterModel[]
  /** The cluster's model aliases (name → model id). */
  aliases?: Pick<ModelAliases, 'get' | 'all'>
}

/** The cluster model `name` (an id, with or without `:latest`, or an alias) stands for. */
export function findModel(deps: OllamaModelDeps, name: string): ClusterModel | undefined {
  const all = deps.models()
  const id = modelIdOf(name)
  const direct = all.find((x) => x.id === name || x.id === id)
  if (direct) return direct
  const target = deps.aliases?.get(id)
  return target === undefined ? undefined : all.find((x) => x.id === target)
}

/** The cluster's models by their ids, then each alias whose model the cluster has, by the alias. */
export function modelsWithAliases(deps: OllamaModelDeps): { name: string; model: ClusterModel }[] {
  const all = deps.models()
  const ids = new Set(all.map((m) => m.id))
  const aliased: { name: string; model: ClusterModel }[] = []
  for (const [name, target] of deps.aliases?.all() ?? []) {
    const model = all.find((x) => x.id === target)
    if (model && !ids.has(name)) aliased.push({ name, model })
  }
  return [...all.map((model) => ({ name: model.id, model })), ...aliased]
}

/** A stable stand-in for Ollama's blob digest (we do not hash model files): sha256 of id and size. */
export const digestOf = (m: ClusterModel): string => createHash('sha256').update(`${m.id}\0${m.sizeBytes}`).digest('hex')

const detailsOf = (m: ClusterModel): Record<string, unknown> => ({ parent_model: '', format: 'gguf', family: '', families: [], parameter_size: '', quantization_level: m.quantization })

/** Ollama's capability names of a model. */
export function capabilitiesOf(m: ClusterModel): string[] {
  const c = m.capabilities
  return [...(c.chat || c.completion ? ['completion'] : []), ...(c.tools ? ['tools'] : []), ...(c.vision ? ['vision'] : []), ...(c.embeddings ? ['embedding'] : [])]
}

/** One entry of /api/tags. */
export const tagOf = (m: ClusterModel): Record<string, unknown> => ({
  name: m.id,
  model: m.id,
  modified_at: new Date(m.created * 1000).toISOString(),
  size: m.sizeBytes,
  digest: digestOf(m),
  details: detailsOf(m)
})

/** One entry of /api/ps: a model loaded somewhere in the cluster. */
export const runningOf = (m: ClusterModel): Record<string, unknown> => ({
  name: m.id,
  model: m.id,
  size: m.sizeBytes,
  digest: digestOf(m),
  details: detailsOf(m),
  expires_at: NEVER_EXPIRES,
  size_vram: 0,
  llmlb: { nodes: m.nodes }
})

/** The /api/show answer of a model. */
export const showOf = (m: ClusterModel): Record<string, unknown> => ({
  license: '',
  modelfile: '',
  parameters: '',
  template: '',
  details: detailsOf(m),
  model_info: { 'general.name': m.id, 'llmlb.context_length': m.contextLength, 'llmlb.nodes': m.nodes },
  capabilities: capabilitiesOf(m),
  modified_at: new Date(m.created * 1000).toISOString()
})

const read = { access: { scope: 'models:read' as const }, errorShape: ollamaErrorOf }

/** Registers `/api/tags`, `/api/ps`, `/api/show` and `/api/version`. */
export async function ollamaModelRoutes(app: FastifyInstance, deps: OllamaModelDeps): Promise<void> {
  const find = (name: string): ClusterModel => {
    const m = findModel(deps, name)
    if (!m) throw new UnknownModelError(name)
    return m
  }
  app.get('/api/tags', { config: { ...read, openapi: { summary: "Ollama: the cluster's models (aliases made by /api/copy included)" } } }, async () => ({ models: modelsWithAliases(deps).map(({ name, model }) => ({ ...tagOf(model), name, model: name })) }))
  app.get('/api/ps', { config: { ...read, openapi: { summary: 'Ollama: models loaded across the cluster' } } }, async () => ({ models: deps.models().filter((m) => m.nodes.length > 0).map(runningOf) }))
  app.post('/api/show', { config: { ...read, openapi: { summary: 'Ollama: details of a model', body: ShowRequestSchema } } }, async (request) => {
    const req = parseBody(ShowRequestSchema, request.body)
    const name = req.model ?? req.name
    if (name === undefined) throw new InvalidRequestError("'model' is required", 'model')
    return showOf(find(name))
  })
  app.get('/api/version', { config: { ...read, openapi: { summary: 'Ollama: the API version this node answers like' } } }, async () => ({ version: OLLAMA_COMPAT_VERSION }))
}
