/**
 * The union of the models the cluster serves: this node's runtime plus every live peer's adverts.
 * Feeds `/v1/models` on every node, so a client sees the whole cluster wherever it points.
 */
import type { InferenceRuntime, ModelCapabilities } from '../../../native-runtime/src/index.js'
import type { Mesh, ModelAdvert, ProviderAdvert } from '../../../mesh/src/index.js'
import { providerModelCapabilities } from '../backends/image-job.js'

/** One model of the cluster and where it runs. */
export interface ClusterModel {
  id: string
  capabilities: ModelCapabilities
  contextLength: number
  quantization: string
  sizeBytes: number
  /** Names of the nodes that have it loaded. */
  nodes: string[]
  /** Names of the nodes that store it without having it loaded (a request loads it on one of them). */
  storedOn?: string[]
  /** Created time (s) reported to OpenAI clients: when this node first saw the model. */
  created: number
  /** Engines or cloud providers that serve it (`ollama`, `cloud:anthropic`…); absent for native models. */
  engines?: string[]
  /** Speech models: the voices a request may name. */
  voices?: string[]
}

/** A catalog id's capabilities (`<prefix>:<id>`) from its provider's advert. */
const capsOf = (pa: ProviderAdvert, id: string): ModelCapabilities => providerModelCapabilities(pa.capabilities, id.slice(pa.prefix.length + 1))

export function clusterModels(runtime: InferenceRuntime, mesh: Mesh | undefined, nodeName: string, firstSeen: Map<string, number>, localStored: () => ModelAdvert[] = () => [], localBackends: () => ModelAdvert[] = () => [], localProviders: () => ProviderAdvert[] = () => [], opts: { providers?: boolean } = {}): ClusterModel[] {
  // cloud catalogs are hundreds of ids: callers on the request path that only look up ids leave them out
  const withProviders = opts.providers ?? true
  const byId = new Map<string, ClusterModel>()
  const add = (id: string, node: string, caps: ModelCapabilities, ctx: number, quant: string, size: number, loaded = true, engine?: string): void => {
    let m = byId.get(id)
    if (!m) {
      if (!firstSeen.has(id)) firstSeen.set(id, Math.floor(Date.now() / 1000))
      m = { id, capabilities: { ...caps }, contextLength: ctx, quantization: quant, sizeBytes: size, nodes: [], storedOn: [], created: firstSeen.get(id) as number }
      byId.set(id, m)
    }
    const list = loaded ? m.nodes : (m.storedOn ??= [])
    if (!list.includes(node)) list.push(node)
    for (const k of Object.keys(caps) as (keyof ModelCapabilities)[]) m.capabilities[k] ||= caps[k] === true
    if (engine && !(m.engines ??= []).includes(engine)) m.engines.push(engine)
  }
  const voices = (id: string, v: string[] | undefined): void => {
    const m = byId.get(id)
    if (m && v && !m.voices) m.voices = v
  }
  for (const m of runtime.models()) if (m.state === 'loaded') {
    add(m.id, nodeName, m.capabilities, m.contextLength, m.quantization, m.sizeBytes)
    voices(m.id, m.voices)
  }
  for (const p of mesh?.peers() ?? []) {
    if (p.status !== 'alive' || p.state.status !== 'alive') continue
    for (const m of p.state.models) {
      add(m.id, p.state.name, m.capabilities, m.contextLength, m.quantization, m.sizeBytes, m.loaded, m.engine)
      voices(m.id, m.voices)
    }
    if (withProviders) for (const pa of p.state.providers ?? []) for (const id of pa.models) add(id, p.state.name, capsOf(pa, id), pa.contextLength, 'cloud', 0, true, pa.engine)
  }
  if (withProviders) for (const pa of localProviders()) for (const id of pa.models) add(id, nodeName, capsOf(pa, id), pa.contextLength, 'cloud', 0, true, pa.engine)
  for (const m of localBackends()) add(m.id, nodeName, m.capabilities, m.contextLength, m.quantization, m.sizeBytes, true, m.engine)
  for (const m of localStored()) add(m.id, nodeName, m.capabilities, m.contextLength, m.quantization, m.sizeBytes, false)
  return [...byId.values()].sort((a, b) => a.id.localeCompare(b.id))
}
