/**
 * Resolves a requested model name that is no model id: a model alias (Ollama's `/api/copy`, aliases.ts)
 * means the model it names, when the cluster has it; a catalog name or alias means the pulled
 * model of that entry (this node's loaded one first). With `--auto-pull`, a catalog model that no
 * node has is pulled onto the node best able to hold it (auto-pull.ts) and the request is answered
 * 503 `model_pulling` with Retry-After until the model is in the cluster's view; then it is routed
 * like any other (forwarded to that node when it is another).
 */
import { Catalog } from './catalog.js'
import { ModelPullingError } from './model-errors.js'
import type { ModelManager } from './model-manager.js'
import type { AutoPlacer } from './auto-pull.js'

export interface AutoResolverDeps {
  /** The cluster's model ids (loaded or stored anywhere), and whether this node has each loaded. */
  models: () => { id: string; localLoaded: boolean }[]
  manager: ModelManager
  /** Set when `--auto-pull` is on. */
  placer?: AutoPlacer
  /** The cluster's model aliases. */
  aliases?: { get(name: string): string | undefined }
}

export function autoResolver(deps: AutoResolverDeps): (name: string) => string | undefined {
  return (name) => {
    const models = deps.models()
    if (models.some((m) => m.id === name)) return undefined
    const aliased = deps.aliases?.get(name)
    if (aliased !== undefined && models.some((m) => m.id === aliased)) return aliased
    const entry = deps.manager.catalog?.find(name)
    if (!entry) return undefined
    const local = new Set(models.filter((m) => m.localLoaded).map((m) => m.id))
    const id = Catalog.modelFor(entry, models.map((m) => m.id), (x) => local.has(x))
    if (id) deps.placer?.settle(entry.id)
    if (id || !deps.placer) return id
    const at = deps.placer.ensure(entry)
    throw new ModelPullingError(name, entry.repo, at.node, at.percent)
  }
}
