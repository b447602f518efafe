/**
 * Helpers for in-process multi-node mesh tests: nodes on 127.0.0.1, port 0, tiny intervals, bootstrap
 * peers only (never mDNS outside a network namespace). Every node started here is stopped by
 * `stopAll()` (call it in afterEach).
 */
import { pino, type Logger } from 'pino'
import { Libp2pMesh, TEST_MESH_TIMINGS, type Libp2pMeshInit, type LocalNodeState, type PeerView } from '../../../mesh/src/index.js'

const started = new Set<Libp2pMesh>()

/** Silent unless MESH_TEST_LOG names a pino level (debugging aid). */
export function testLogger(): Logger {
  return pino({ level: process.env.MESH_TEST_LOG ?? 'silent' })
}

/** A plausible local state for node `name`. */
export function localState(name: string, overrides: Partial<LocalNodeState> = {}): LocalNodeState {
  return {
    v: 1,
    name,
    version: '0.1.0',
    httpUrl: `http://127.0.0.1:1/${name}`,
    status: 'alive',
    startedAt: Date.now(),
    models: [],
    cpu: { cores: 2, load1: 0 },
    memory: { totalBytes: 1, freeBytes: 1 },
    gpus: [],
    inFlight: 0,
    prefixes: {},
    ...overrides
  }
}

/** Creates and starts a mesh node with the test profile; sets its local state to `localState(name)`. */
export async function startNode(name: string, init: Libp2pMeshInit = {}): Promise<Libp2pMesh> {
  const mesh = new Libp2pMesh({ logger: testLogger() }, { ...TEST_MESH_TIMINGS, name, listenHost: '127.0.0.1', port: 0, ...init })
  await mesh.start()
  started.add(mesh)
  mesh.setLocalState(localState(name))
  return mesh
}

/** `host:port` of a node's first listen address. */
export function hostPort(mesh: Libp2pMesh): string {
  const ma = mesh.listenAddresses()[0] ?? ''
  const m = /^\/ip4\/([^/]+)\/tcp\/(\d+)/.exec(ma)
  if (m === null) throw new Error(`no ip4 listen address: ${ma}`)
  return `${m[1]}:${m[2]}`
}

export async function stopNode(mesh: Libp2pMesh, options?: { leave?: boolean }): Promise<void> {
  started.delete(mesh)
  await mesh.stop(options)
}

export async function stopAll(): Promise<void> {
  const all = [...started]
  started.clear()
  await Promise.all(all.map(m => m.stop({ leave: false })))
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(check: () => T | undefined | false, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  while (true) {
    const value = check()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}

/** Resolves with the detail of the first `type` event on `target` that satisfies `predicate`. */
export function nextEvent<T>(target: EventTarget, type: string, predicate: (detail: T) => boolean = () => true, timeoutMs = 30_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      target.removeEventListener(type, listener)
      reject(new Error(`timed out after ${timeoutMs} ms waiting for event ${type}`))
    }, timeoutMs)
    const listener = (evt: Event): void => {
      const detail = (evt as CustomEvent<T>).detail
      if (!predicate(detail)) return
      clearTimeout(timer)
      target.removeEventListener(type, listener)
      resolve(detail)
    }
    target.addEventListener(type, listener)
  })
}

/** The view `observer` has of `subject`, if any. */
export function viewOf(observer: Libp2pMesh, subject: Libp2pMesh | string): PeerView | undefined {
  const id = typeof subject === 'string' ? subject : subject.peerId()
  return observer.peers().find(p => p.peerId === id)
}

/** Waits until every node sees every other node alive. */
export async function waitForFullMesh(nodes: Libp2pMesh[], timeoutMs = 30_000): Promise<void> {
  await waitFor(() => nodes.every(a => nodes.every(b => a === b || viewOf(a, b)?.status === 'alive')), `${nodes.length} nodes to see each other alive`, timeoutMs)
}
