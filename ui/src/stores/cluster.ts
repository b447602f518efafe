/**
 * Live cluster state: one EventSource on /api/events whose `nodes` snapshots are applied with
 * `reconcile` (keyed by node name, so a card re-renders only what changed). On a dropped stream it
 * reconnects with backoff; only when the stream keeps failing without ever opening (a proxy that
 * buffers, an agent without SSE) does it fall back to polling /api/nodes, and it retries the stream
 * from time to time while polling.
 */
import { createStore, reconcile } from 'solid-js/store'
import type { ApiClient } from '../api/client.js'
import type { NodeInfo, NodesBody, RejectedPeer } from '../api/types.js'
import { backoffDelay } from '../lib/backoff.js'
import { appendSample, sampleOf, type LoadSample } from '../lib/load-samples.js'
import { sortNodes } from '../lib/node-summary.js'
import { createStoreContext } from './context.js'

/** Stream attempts that never opened before polling takes over. */
export const SSE_FAILURES_BEFORE_POLLING = 3
/** Poll interval while the stream is unavailable (ms). */
export const POLL_INTERVAL_MS = 2000
/** While polling, try the stream again this often (ms). */
export const SSE_RETRY_WHILE_POLLING_MS = 30_000

/** The subset of EventSource the store uses (a fake in tests). */
export interface EventSourceLike {
  addEventListener(type: string, listener: (ev: MessageEvent<string>) => void): void
  onopen: ((ev: Event) => void) | null
  onerror: ((ev: Event) => void) | null
  close(): void
}

export type Connection = 'idle' | 'connecting' | 'live' | 'reconnecting' | 'polling'

export interface ClusterState {
  nodes: NodeInfo[]
  /** Nodes refused at the mesh handshake (another cluster key): found but not joined. */
  rejected: RejectedPeer[]
  connection: Connection
  /** Epoch ms of the last snapshot applied; 0 before the first. */
  updatedAt: number
  /** Load history per node name, oldest first. */
  samples: Record<string, LoadSample[]>
  error: string | null
  /** Epoch ms of the last `models` event (a model or a pull changed on the node serving the stream); 0 before. */
  modelsChangedAt: number
}

export interface ClusterStoreInit {
  eventSource?: (url: string) => EventSourceLike
  now?: () => number
  setTimeout?: (fn: () => void, ms: number) => unknown
  clearTimeout?: (handle: unknown) => void
  random?: () => number
}

export function createClusterStore(api: Pick<ApiClient, 'nodes'>, init: ClusterStoreInit = {}) {
  const newEventSource = init.eventSource ?? ((url: string) => new EventSource(url) as unknown as EventSourceLike)
  const now = init.now ?? Date.now
  const later = init.setTimeout ?? ((fn: () => void, ms: number) => globalThis.setTimeout(fn, ms))
  const cancel = init.clearTimeout ?? ((h: unknown) => globalThis.clearTimeout(h as number))

  const [state, setState] = createStore<ClusterState>({ nodes: [], rejected: [], connection: 'idle', updatedAt: 0, samples: {}, error: null, modelsChangedAt: 0 })

  let es: EventSourceLike | null = null
  let timer: unknown = null
  let running = false
  let failures = 0
  let pollingSince = 0

  /** Applies one snapshot (SSE event or poll answer). */
  const apply = (body: NodesBody): void => {
    const t = now()
    const nodes = sortNodes(body.data)
    setState('nodes', reconcile(nodes, { key: 'name', merge: false }))
    setState('rejected', reconcile(body.rejected ?? [], { key: 'address', merge: false }))
    setState('updatedAt', t)
    setState('error', null)
    for (const n of nodes) setState('samples', n.name, (prev) => appendSample(prev ?? [], sampleOf(n, t)))
  }

  const schedule = (fn: () => void, ms: number): void => {
    if (timer !== null) cancel(timer)
    timer = later(() => {
      timer = null
      if (running) fn()
    }, ms)
  }

  const closeStream = (): void => {
    if (!es) return
    es.onopen = null
    es.onerror = null
    es.close()
    es = null
  }

  const connect = (): void => {
    closeStream()
    let opened = false
    setState('connection', state.connection === 'polling' ? 'polling' : failures > 0 ? 'reconnecting' : 'connecting')
    const source = newEventSource(api.nodes.eventsUrl())
    es = source
    const markOpen = (): void => {
      if (opened) return
      opened = true
      failures = 0
      pollingSince = 0
      if (timer !== null) cancel(timer)
      timer = null
      setState('connection', 'live')
    }
    source.onopen = markOpen
    source.addEventListener('nodes', (ev) => {
      try {
        apply(JSON.parse(ev.data) as NodesBody)
      } catch {
        setState('error', 'The agent sent a snapshot the dashboard cannot read')
      }
      markOpen()
    })
    // pull progress and load changes of this node, pushed as they happen (the models page reacts)
    source.addEventListener('models', () => setState('modelsChangedAt', Date.now()))
    source.onerror = () => {
      if (es !== source) return
      // EventSource retries by itself; we take over to control backoff and to notice a 401
      closeStream()
      failures = opened ? 1 : failures + 1
      void refresh()
      if (!opened && failures >= SSE_FAILURES_BEFORE_POLLING) startPolling()
      else schedule(connect, backoffDelay(failures - 1, { random: init.random }))
    }
  }

  const startPolling = (): void => {
    if (!pollingSince) pollingSince = now()
    setState('connection', 'polling')
    const tick = (): void => {
      if (now() - pollingSince >= SSE_RETRY_WHILE_POLLING_MS) {
        pollingSince = now()
        failures = SSE_FAILURES_BEFORE_POLLING - 1
        connect()
        return
      }
      void refresh().finally(() => {
        if (running && state.connection === 'polling') schedule(tick, POLL_INTERVAL_MS)
      })
    }
    schedule(tick, POLL_INTERVAL_MS)
  }

  /** Fetches /api/nodes once and applies it (also how a 401 behind a failed stream is noticed). */
  const refresh = async (): Promise<void> => {
    try {
      apply(await api.nodes.list())
    } catch (err) {
      setState('error', (err as Error).message)
    }
  }

  return {
    state,
    /** Opens the live stream; idempotent. */
    start(): void {
      if (running) return
      running = true
      failures = 0
      pollingSince = 0
      connect()
    },
    /** Closes the stream and stops timers; idempotent. Keeps the last snapshot. */
    stop(): void {
      running = false
      closeStream()
      if (timer !== null) cancel(timer)
      timer = null
      setState('connection', 'idle')
    },
    refresh,
    /** Applies a snapshot directly (tests, and a page that fetched one itself). */
    apply,
    /** The node serving this dashboard, once known. */
    self: (): NodeInfo | undefined => state.nodes.find((n) => n.self),
    node: (name: string): NodeInfo | undefined => state.nodes.find((n) => n.name === name)
  }
}

export type ClusterStore = ReturnType<typeof createClusterStore>

const ctx = createStoreContext<ClusterStore>('Cluster')
export const ClusterProvider = ctx.Provider
export const useCluster = ctx.use
