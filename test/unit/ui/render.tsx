/** Mounting helpers for component tests: a real document node, a memory router, cleanup. */
import { createMemoryHistory, MemoryRouter, Route } from '@solidjs/router'
import type { JSX } from 'solid-js'
import { render } from 'solid-js/web'
import type { ApiClient } from '../../../ui/src/api/client.js'
import { AppRoutes } from '../../../ui/src/app.jsx'
import { AppProviders, type Stores } from '../../../ui/src/providers.jsx'

export interface Mounted {
  root: HTMLElement
  dispose: () => void
  history: ReturnType<typeof createMemoryHistory>
  byTestId: (id: string) => HTMLElement | null
  allByTestId: (id: string) => HTMLElement[]
}

function mountWith(path: string, view: (history: ReturnType<typeof createMemoryHistory>) => JSX.Element): Mounted {
  // attached to the document: Solid delegates events to it
  const root = document.body.appendChild(document.createElement('div'))
  const history = createMemoryHistory()
  history.set({ value: path })
  const stop = render(() => view(history), root)
  return {
    root,
    history,
    dispose: () => {
      stop()
      root.remove()
    },
    byTestId: (id) => root.querySelector(`[data-testid="${id}"]`),
    allByTestId: (id) => [...root.querySelectorAll<HTMLElement>(`[data-testid="${id}"]`)]
  }
}

/** Renders one component inside a router (for views that contain links). */
export function mount(view: () => JSX.Element): Mounted {
  return mountWith('/', (history) => (
    <MemoryRouter history={history}>
      <Route path="*" component={view} />
    </MemoryRouter>
  ))
}

/** Renders the whole app's routes at `path` with the given API client and stores. */
export function mountApp(path: string, api: ApiClient, stores: Stores): Mounted {
  return mountWith(path, (history) => (
    <AppProviders api={api} stores={stores}>
      <MemoryRouter history={history}>
        <AppRoutes />
      </MemoryRouter>
    </AppProviders>
  ))
}
