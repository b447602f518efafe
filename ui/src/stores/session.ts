/**
 * Who is signed in. `open` means this node has no accounts yet (GET /api/auth/me answers 404):
 * every page shows, and pages whose endpoints are missing say so. Any 401 from any call ends the
 * session, and the shell sends the user to the Login page.
 */
import { createStore } from 'solid-js/store'
import type { ApiClient } from '../api/client.js'
import { isUnavailable, isUnauthorized, messageOf } from '../api/errors.js'
import type { Role, SessionBody, User } from '../api/types.js'
import { createStoreContext } from './context.js'

export type SessionStatus = 'loading' | 'signed-out' | 'signed-in' | 'open' | 'error'

export interface SessionState {
  status: SessionStatus
  user: User | null
  error: string | null
  /** true while a login or password change is in flight. */
  busy: boolean
}

export function createSessionStore(api: Pick<ApiClient, 'auth' | 'transport'>) {
  const [state, setState] = createStore<SessionState>({ status: 'loading', user: null, error: null, busy: false })

  const signIn = (body: SessionBody): void => {
    api.transport.setCsrfToken(body.csrfToken)
    setState({ status: 'signed-in', user: body.user, error: null })
  }

  const signOut = (error: string | null = null): void => {
    api.transport.setCsrfToken(null)
    setState({ status: 'signed-out', user: null, error })
  }

  // a 401 from anywhere means the cookie is gone or expired
  api.transport.onUnauthorized(() => {
    if (state.status !== 'signed-out') signOut('Your session has ended. Please sign in again.')
  })

  return {
    state,
    /** Asks the agent who we are. */
    async load(): Promise<void> {
      setState({ status: 'loading', error: null })
      try {
        signIn(await api.auth.me())
      } catch (err) {
        if (isUnauthorized(err)) signOut()
        else if (isUnavailable(err)) setState({ status: 'open', user: null, error: null })
        else setState({ status: 'error', error: messageOf(err) })
      }
    },
    /** Resolves true when signed in; on failure the message is in `state.error`. */
    async login(username: string, password: string): Promise<boolean> {
      setState({ busy: true, error: null })
      try {
        signIn(await api.auth.login(username, password))
        return true
      } catch (err) {
        setState('error', isUnauthorized(err) ? 'Wrong username or password.' : messageOf(err))
        return false
      } finally {
        setState('busy', false)
      }
    },
    async logout(): Promise<void> {
      try {
        await api.auth.logout()
      } catch {
        // the cookie is cleared server-side or already gone; either way we are out
      }
      signOut()
    },
    async changePassword(currentPassword: string, newPassword: string): Promise<boolean> {
      setState({ busy: true, error: null })
      try {
        // the session and its CSRF token stay; the answer carries the user without the pending change
        signIn(await api.auth.changePassword(currentPassword, newPassword))
        return true
      } catch (err) {
        setState('error', isUnauthorized(err) ? 'The current password is wrong.' : messageOf(err))
        return false
      } finally {
        setState('busy', false)
      }
    },
    /** Ends the session locally (used when a 401 arrives). */
    expire: () => signOut('Your session has ended. Please sign in again.'),
    /** null when the node has no accounts (open); otherwise the user's role. */
    role: (): Role | null => (state.status === 'open' ? null : (state.user?.role ?? 'viewer')),
    isAdmin: (): boolean => state.status === 'open' || state.user?.role === 'admin',
    /** Signed in, or nothing to sign in to. */
    canEnter: (): boolean => state.status === 'signed-in' || state.status === 'open',
    /** May use the pages (signed in with no pending password change, or open): the agent refuses data before. */
    ready: (): boolean => state.status === 'open' || (state.status === 'signed-in' && state.user?.mustChangePassword !== true)
  }
}

export type SessionStore = ReturnType<typeof createSessionStore>

const ctx = createStoreContext<SessionStore>('Session')
export const SessionProvider = ctx.Provider
export const useSession = ctx.use
