/**
 * Creates one store per domain and provides them to the tree. Tests pass their own stores (or a
 * fake API client) instead.
 */
import type { JSX } from 'solid-js'
import type { ApiClient } from './api/client.js'
import { ApiProvider } from './stores/api.js'
import { ClusterProvider, createClusterStore, type ClusterStore } from './stores/cluster.js'
import { createHistoryStore, HistoryProvider, type HistoryStore } from './stores/history.js'
import { createKeysStore, KeysProvider, type KeysStore } from './stores/keys.js'
import { createModelsStore, ModelsProvider, type ModelsStore } from './stores/models.js'
import { createPlaygroundStore, PlaygroundProvider, type PlaygroundStore } from './stores/playground.js'
import { createSessionStore, SessionProvider, type SessionStore } from './stores/session.js'
import { createStatsStore, StatsProvider, type StatsStore } from './stores/stats.js'
import { createUsersStore, UsersProvider, type UsersStore } from './stores/users.js'

export interface Stores {
  session: SessionStore
  cluster: ClusterStore
  models: ModelsStore
  history: HistoryStore
  stats: StatsStore
  keys: KeysStore
  users: UsersStore
  playground: PlaygroundStore
}

/** One instance of every store over `api`; `override` replaces some (tests). */
export function createStores(api: ApiClient, override: Partial<Stores> = {}): Stores {
  return {
    session: override.session ?? createSessionStore(api),
    cluster: override.cluster ?? createClusterStore(api),
    models: override.models ?? createModelsStore(api),
    history: override.history ?? createHistoryStore(api),
    stats: override.stats ?? createStatsStore(api),
    keys: override.keys ?? createKeysStore(api),
    users: override.users ?? createUsersStore(api),
    playground: override.playground ?? createPlaygroundStore(api)
  }
}

export function AppProviders(props: { api: ApiClient; stores: Stores; children?: JSX.Element }) {
  return (
    <ApiProvider value={props.api}>
      <SessionProvider value={props.stores.session}>
        <ClusterProvider value={props.stores.cluster}>
          <ModelsProvider value={props.stores.models}>
            <HistoryProvider value={props.stores.history}>
              <StatsProvider value={props.stores.stats}>
                <KeysProvider value={props.stores.keys}>
                  <UsersProvider value={props.stores.users}>
                    <PlaygroundProvider value={props.stores.playground}>{props.children}</PlaygroundProvider>
                  </UsersProvider>
                </KeysProvider>
              </StatsProvider>
            </HistoryProvider>
          </ModelsProvider>
        </ClusterProvider>
      </SessionProvider>
    </ApiProvider>
  )
}
