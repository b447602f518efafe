/**
 * The loading/error/unavailable bookkeeping every fetched list shares. A store calls `run()` with
 * its fetch; a newer run supersedes an older one still in flight (its result is dropped).
 */
import { createStore, type SetStoreFunction } from 'solid-js/store'
import { isUnavailable, messageOf } from '../api/errors.js'

export interface LoadState {
  loading: boolean
  error: string | null
  /** The endpoint does not exist on this node yet (HTTP 404 route_not_found). */
  unavailable: boolean
  /** A first answer has arrived. */
  loaded: boolean
}

export function createLoadState(): { load: LoadState; setLoad: SetStoreFunction<LoadState>; run: <T>(fetcher: () => Promise<T>, apply: (value: T) => void) => Promise<void> } {
  const [load, setLoad] = createStore<LoadState>({ loading: false, error: null, unavailable: false, loaded: false })
  let generation = 0
  const run = async <T>(fetcher: () => Promise<T>, apply: (value: T) => void): Promise<void> => {
    const mine = ++generation
    setLoad({ loading: true, error: null })
    try {
      const value = await fetcher()
      if (mine !== generation) return
      apply(value)
      setLoad({ loading: false, unavailable: false, loaded: true })
    } catch (err) {
      if (mine !== generation) return
      if (isUnavailable(err)) setLoad({ loading: false, unavailable: true, error: null })
      else setLoad({ loading: false, error: messageOf(err) })
    }
  }
  return { load, setLoad, run }
}

/**
 * The runner of a store's actions (create, remove, …): clears the previous error, runs `fn`, keeps its
 * failure's message for the page; resolves true when it worked. Never throws.
 */
export function actionRunner(setError: (message: string | null) => void): (fn: () => Promise<unknown>) => Promise<boolean> {
  return async (fn) => {
    setError(null)
    try {
      await fn()
      return true
    } catch (err) {
      setError(messageOf(err))
      return false
    }
  }
}
