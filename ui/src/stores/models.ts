/** The cluster's models from GET /v1/models (every node answers with the whole cluster's list). */
import { createStore, reconcile } from 'solid-js/store'
import type { ApiClient } from '../api/client.js'
import type { ClusterModel } from '../api/types.js'
import { createStoreContext } from './context.js'
import { createLoadState } from './resource.js'

export function createModelsStore(api: Pick<ApiClient, 'models'>) {
  const [state, setState] = createStore<{ models: ClusterModel[] }>({ models: [] })
  const { load, run } = createLoadState()
  return {
    state,
    load,
    refresh: () => run(() => api.models.list(), (body) => setState('models', reconcile(body.data, { key: 'id' }))),
    /** Models that answer /v1/chat/completions. */
    chatModels: (): ClusterModel[] => state.models.filter((m) => m.llmlb?.capabilities.chat ?? true),
    byId: (id: string): ClusterModel | undefined => state.models.find((m) => m.id === id)
  }
}

export type ModelsStore = ReturnType<typeof createModelsStore>

const ctx = createStoreContext<ModelsStore>('Models')
export const ModelsProvider = ctx.Provider
export const useModels = ctx.use
