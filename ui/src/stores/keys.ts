/**
 * API keys (admin). A created key's secret is kept only in `created` until the admin dismisses it:
 * the agent never shows it again. `scopes` is the agent's scope list (GET /api/auth/scopes), or this
 * build's copy of it when the agent does not answer.
 */
import { createStore, reconcile } from 'solid-js/store'
import type { ApiClient } from '../api/client.js'
import { messageOf } from '../api/errors.js'
import type { ApiKey, CreatedKey, CreateKeyInput } from '../api/types.js'
import { KNOWN_SCOPES } from '../lib/key-scopes.js'
import { createStoreContext } from './context.js'
import { createLoadState } from './resource.js'

export interface KeysState {
  keys: ApiKey[]
  scopes: string[]
  created: CreatedKey | null
  actionError: string | null
}

export function createKeysStore(api: Pick<ApiClient, 'keys' | 'auth'>) {
  const [state, setState] = createStore<KeysState>({ keys: [], scopes: [...KNOWN_SCOPES], created: null, actionError: null })
  const { load, run } = createLoadState()
  const refresh = (): Promise<void> => run(() => api.keys.list(), (body) => setState('keys', reconcile(body.data, { key: 'id' })))
  return {
    state,
    load,
    refresh,
    /** Asks the agent for its scope list; keeps this build's copy if it cannot. */
    async loadScopes(): Promise<void> {
      try {
        const body = await api.auth.scopes()
        if (Array.isArray(body.scopes) && body.scopes.length > 0) setState('scopes', [...body.scopes])
      } catch {
        // an older agent, or a network blip: the known list is the same list
      }
    },
    async create(input: CreateKeyInput): Promise<boolean> {
      setState('actionError', null)
      try {
        const created = await api.keys.create(input)
        setState('created', created)
        const { key: _secret, ...listed } = created
        setState('keys', (keys) => [...keys.filter((k) => k.id !== created.id), listed])
        return true
      } catch (err) {
        setState('actionError', messageOf(err))
        return false
      }
    },
    async revoke(id: string): Promise<void> {
      setState('actionError', null)
      try {
        await api.keys.revoke(id)
        setState('keys', (keys) => keys.filter((k) => k.id !== id))
      } catch (err) {
        setState('actionError', messageOf(err))
      }
    },
    /** Forgets the shown-once secret. */
    dismissCreated: () => setState('created', null)
  }
}

export type KeysStore = ReturnType<typeof createKeysStore>

const ctx = createStoreContext<KeysStore>('Keys')
export const KeysProvider = ctx.Provider
export const useKeys = ctx.use
