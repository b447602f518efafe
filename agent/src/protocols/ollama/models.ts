/**
 * Ollama's model routes on every node: `/api/tags` (the cluster's models), `/api/ps` (models loaded
 * across the cluster), `/api/show`, `/api/version`; `/api/pull`, `/api/delete` and `/api/copy`
 * answer a clear 501 until model management exists. Pure shaping of the cluster's model list.
 */
import { createHash } from 'node:crypto'
import type { FastifyInstance } from 'fastify'
import type { ClusterModel } from '../../inference/cluster-models.js'
import { InvalidRequestError, UnknownModelError, ModelManagementUnavailableError } from '../../errors/errors.js'
import { parseBody } from '../../http/schemas/parse-body.js'
import '../../http/error-shape.js'
import '../../http/openapi/route-doc.js'
import { CopyRequestSchema, DeleteRequestSchema, PullRequestSchema, ShowRequestSchema } from './schemas.js'
import { modelIdOf } from './to-chat.js'
import { ollamaErrorOf } from './errors.js'

/** The Ollama API version this node answers like (clients check it for features: tools, `format` schemas). */
export const OLLAMA_COMPAT_VERSION = '0.9.0'

/** Models stay loaded until the node stops: `expires_at` of /api/ps is far away. */
const NEVER_EXPIRES = '2099-01-01T00:00:00Z'

/** The cluster's model list (loaded here or on a live peer). */
export interface OllamaModelDeps {
  models: () => ClusterModel[]
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
const manage = { access: { scope: 'models:manage' as const }, errorShape: ollamaErrorOf }

/** Registers `/api/tags`, `/api/ps`, `/api/show`, `/api/version` and the 501s of model management. */
export async function ollamaModelRoutes(app: FastifyInstance, deps: OllamaModelDeps): Promise<void> {
  const find = (name: string): ClusterModel => {
    const m = deps.models().find((x) => x.id === name || x.id === modelIdOf(name))
    if (!m) throw new UnknownModelError(name)
    return m
  }
  app.get('/api/tags', { config: { ...read, openapi: { summary: "Ollama: the cluster's models" } } }, async () => ({ models: deps.models().map(tagOf) }))
  app.get('/api/ps', { config: { ...read, openapi: { summary: 'Ollama: models loaded across the cluster' } } }, async () => ({ models: deps.models().filter((m) => m.nodes.length > 0).map(runningOf) }))
  app.post('/api/show', { config: { ...read, openapi: { summary: 'Ollama: details of a model', body: ShowRequestSchema } } }, async (request) => {
    const req = parseBody(ShowRequestSchema, request.body)
    const name = req.model ?? req.name
    if (name === undefined) throw new InvalidRequestError("'model' is required", 'model')
    return showOf(find(name))
  })
  app.get('/api/version', { config: { ...read, openapi: { summary: 'Ollama: the API version this node answers like' } } }, async () => ({ version: OLLAMA_COMPAT_VERSION }))
  app.post('/api/pull', { config: { ...manage, openapi: { summary: 'Ollama: pull a model (not available yet: 501)', body: PullRequestSchema } } }, async () => {
    throw new ModelManagementUnavailableError('Pulling models')
  })
  app.delete('/api/delete', { config: { ...manage, openapi: { summary: 'Ollama: delete a model (not available yet: 501)', body: DeleteRequestSchema } } }, async () => {
    throw new ModelManagementUnavailableError('Deleting models')
  })
  app.post('/api/copy', { config: { ...manage, openapi: { summary: 'Ollama: copy a model (not available yet: 501)', body: CopyRequestSchema } } }, async () => {
    throw new ModelManagementUnavailableError('Copying models')
  })
}
