/**
 * The cluster's models: what clients can use (GET /v1/models, every node answers with the whole
 * cluster's list) and what every node stores, with metadata and pull progress
 * (GET /api/models?scope=cluster), plus the admin's actions on them (pull, load, unload, remove).
 */
import { createStore, reconcile } from 'solid-js/store'
import type { ApiClient } from '../api/client.js'
import type { ClusterModel, NodeModels, PullInput } from '../api/types.js'
import { createStoreContext } from './context.js'
import { actionRunner, createLoadState } from './resource.js'

/** What a pull answer says about the file chosen. */
interface PullNote {
  modelId?: string
  choice?: string
}

export function createModelsStore(api: Pick<ApiClient, 'models'>) {
  const [state, setState] = createStore<{ models: ClusterModel[]; stored: NodeModels[]; actionError: string | null; pullNote: string | null }>({
    models: [],
    stored: [],
    actionError: null,
    pullNote: null
  })
  const { load, run } = createLoadState()
  const storedLoad = createLoadState()
  const refreshStored = (): Promise<void> => storedLoad.run(() => api.models.stored(), (body) => setState('stored', reconcile(body.nodes, { key: 'node' })))
  /** Runs an admin action, then reloads both views; its failure is shown, not thrown. */
  const runAction = actionRunner((message) => setState('actionError', message))
  const act = async (fn: () => Promise<unknown>): Promise<boolean> => {
    const ok = await runAction(fn)
    await refreshStored()
    return ok
  }
  return {
    state,
    load,
    storedLoad: storedLoad.load,
    refresh: () => run(() => api.models.list(), (body) => setState('models', reconcile(body.data, { key: 'id' }))),
    refreshStored,
    /** True while some node still downloads. */
    pulling: (): boolean => state.stored.some((n) => (n.pulls ?? []).some((p) => p.state !== 'done' && p.state !== 'failed')),
    async pull(input: PullInput): Promise<boolean> {
      setState('pullNote', null)
      return act(async () => {
        // one node: {pull}; several: {data: [{node, body: {pull}}]} — the choice is the same on each
        const r = (await api.models.pull(input)) as { pull?: PullNote; data?: { body?: { pull?: PullNote } }[] }
        const p = r.pull ?? r.data?.find((x) => x.body?.pull)?.body?.pull
        if (p) setState('pullNote', `${p.modelId ?? ''} (${p.choice ?? ''})`)
      })
    },
    loadModel: (id: string, node: string) => act(() => api.models.load(id, node)),
    unloadModel: (id: string, node: string) => act(() => api.models.unload(id, node)),
    removeModel: (id: string, node: string) => act(() => api.models.remove(id, node)),
    /** Models that answer /v1/chat/completions. */
    chatModels: (): ClusterModel[] => state.models.filter((m) => m.llmlb?.capabilities.chat ?? true),
    byId: (id: string): ClusterModel | undefined => state.models.find((m) => m.id === id)
  }
}

export type ModelsStore = ReturnType<typeof createModelsStore>

const ctx = createStoreContext<ModelsStore>('Models')
export const ModelsProvider = ctx.Provider
export const useModels = ctx.use
