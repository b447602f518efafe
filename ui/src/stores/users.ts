/**
 * Dashboard accounts (admin): list, create, change role, delete. A user created without a password
 * gets one from the agent, kept in `created` (shown once) until the admin dismisses it.
 */
import { createStore, reconcile } from 'solid-js/store'
import type { ApiClient } from '../api/client.js'
import type { CreatedUser, CreateUserInput, UpdateUserInput, User } from '../api/types.js'
import { createStoreContext } from './context.js'
import { actionRunner, createLoadState } from './resource.js'

export function createUsersStore(api: Pick<ApiClient, 'users'>) {
  const [state, setState] = createStore<{ users: User[]; created: { username: string; password: string } | null; actionError: string | null }>({
    users: [],
    created: null,
    actionError: null
  })
  const { load, run } = createLoadState()
  const refresh = (): Promise<void> => run(() => api.users.list(), (body) => setState('users', reconcile(body.data, { key: 'id' })))
  const act = actionRunner((message) => setState('actionError', message))
  return {
    state,
    load,
    refresh,
    create: (input: CreateUserInput) =>
      act(async () => {
        const { password, ...user }: CreatedUser = await api.users.create(input)
        setState('users', (users) => [...users.filter((u) => u.id !== user.id), user])
        setState('created', password ? { username: user.username, password } : null)
      }),
    update: (id: string, patch: UpdateUserInput) =>
      act(async () => {
        const user = await api.users.update(id, patch)
        setState('users', (u) => u.id === id, user ?? patch)
      }),
    remove: (id: string) =>
      act(async () => {
        await api.users.remove(id)
        setState('users', (users) => users.filter((u) => u.id !== id))
      }),
    /** Forgets the shown-once generated password. */
    dismissCreated: () => setState('created', null)
  }
}

export type UsersStore = ReturnType<typeof createUsersStore>

const ctx = createStoreContext<UsersStore>('Users')
export const UsersProvider = ctx.Provider
export const useUsers = ctx.use
