/**
 * Resolves a requested model name that is no model id: a catalog name or alias means the pulled
 * model of that entry (this node's loaded one first). With `--auto-pull`, a catalog model that no
 * node has is pulled onto this node and the request is answered 503 `model_pulling` with Retry-After
 * until it serves.
 */
import type { Logger } from 'pino'
import { Catalog } from './catalog.js'
import { ModelPullingError } from './model-errors.js'
import type { ModelManager } from './model-manager.js'

export interface AutoResolverDeps {
  nodeName: string
  /** The cluster's model ids (loaded or stored anywhere), and whether this node has each loaded. */
  models: () => { id: string; localLoaded: boolean }[]
  manager: ModelManager
  autoPull: boolean
  logger: Logger
}

export function autoResolver(deps: AutoResolverDeps): (name: string) => string | undefined {
  return (name) => {
    const models = deps.models()
    if (models.some((m) => m.id === name)) return undefined
    const entry = deps.manager.catalog?.find(name)
    if (!entry) return undefined
    const local = new Set(models.filter((m) => m.localLoaded).map((m) => m.id))
    const id = Catalog.modelFor(entry, models.map((m) => m.id), (x) => local.has(x))
    if (id || !deps.autoPull) return id
    const running = deps.manager.pullList().find((p) => p.repo === entry.repo && p.state !== 'done' && p.state !== 'failed')
    if (!running) {
      deps.logger.info({ model: name, repo: entry.repo }, 'auto-pull: pulling a requested catalog model')
      deps.manager.pull(entry.id).catch((err: unknown) => deps.logger.warn({ model: name, err: (err as Error).message }, 'auto-pull failed'))
    }
    const total = running?.files.reduce((s, f) => s + f.size, 0) ?? 0
    const got = running?.files.reduce((s, f) => s + f.received, 0) ?? 0
    throw new ModelPullingError(name, entry.repo, deps.nodeName, total > 0 ? Math.floor((got * 100) / total) : null)
  }
}
