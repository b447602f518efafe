/** The API client as a context, so tests can hand pages a fake one. */
import type { ApiClient } from '../api/client.js'
import { createStoreContext } from './context.js'

const ctx = createStoreContext<ApiClient>('Api')
export const ApiProvider = ctx.Provider
export const useApi = ctx.use
