/**
 * Backends advertised by prefix (cloud providers): any `<prefix>:<id>` routes to the node that serves
 * the prefix, here or on a peer, without one advert per model; the catalog ids a provider advert lists
 * show in the cluster's models; the advert stays within the wire schema's bounds.
 */
import { describe, expect, it } from 'vitest'
import { BackendRegistry } from '../../../../agent/src/backends/index.js'
import { CloudBackend, ProviderCatalog } from '../../../../agent/src/clouds/index.js'
import { MAX_ADVERTISED_ID_CHARS } from '../../../../agent/src/clouds/catalog.js'
import { clusterModels } from '../../../../agent/src/inference/cluster-models.js'
import { peerCandidates } from '../../../../agent/src/scheduler/candidates.js'
import { NodeStateSchema, ProviderAdvertSchema, type PeerView } from '../../../../mesh/src/index.js'
import type { InferenceRuntime } from '../../../../native-runtime/src/index.js'

async function anthropicBackend(ids: string[]): Promise<CloudBackend> {
  const catalog = new ProviderCatalog({ ttlMs: 60_000, fetch: async () => ids })
  await catalog.refresh()
  return new CloudBackend({ kind: 'anthropic', prefix: 'anthropic', baseUrl: 'http://127.0.0.1:9', apiKey: 'sk-test-000000000000', keySource: 'local' }, catalog)
}

describe('backends advertised by prefix', () => {
  it('match any id under their prefix, and only those', async () => {
    const reg = new BackendRegistry()
    reg.add(await anthropicBackend(['claude-a']))
    expect(reg.find('anthropic:claude-not-in-the-catalog')?.model).toMatchObject({ engine: 'cloud:anthropic', slotsTotal: 64 })
    expect(reg.find('google:gemini')).toBeUndefined()
    expect(reg.find('anthropic')).toBeUndefined()
    expect(reg.adverts()).toEqual([])
    expect(reg.providers().map((p) => ProviderAdvertSchema.parse(p))).toMatchObject([{ prefix: 'anthropic', engine: 'cloud:anthropic', models: ['anthropic:claude-a'] }])
  })

  it('a huge catalog is advertised within bounds, and the node state still validates', async () => {
    const ids = Array.from({ length: 3000 }, (_, i) => `claude-model-with-a-long-name-${i}`)
    const p = (await anthropicBackend(ids)).provider()
    expect(p?.models.length).toBeGreaterThan(100)
    expect(p?.models.join('').length).toBeLessThanOrEqual(MAX_ADVERTISED_ID_CHARS)
    const state = { v: 1, seq: 1, name: 'n', peerId: 'p', version: '0', httpUrl: 'http://x', status: 'alive', startedAt: 0, models: [], cpu: { cores: 1, load1: 0 }, memory: { totalBytes: 1, freeBytes: 1 }, providers: [p] }
    expect(NodeStateSchema.safeParse(state).success).toBe(true)
  })

  it('peers serving a prefix are candidates for every id under it, and their catalogs are cluster models', async () => {
    const provider = (await anthropicBackend(['claude-a', 'claude-b'])).provider()
    const peer = { peerId: 'peer-a', status: 'alive', lastSeen: 0, state: { name: 'a', status: 'alive', models: [], prefixes: {}, providers: [provider] } } as unknown as PeerView
    const [cand] = peerCandidates('anthropic:claude-z', [peer], 0, [], () => 0)
    expect(cand).toMatchObject({ target: 'peer-a', nodeName: 'a', engine: 'cloud:anthropic', loaded: true })
    expect(peerCandidates('google:gemini', [peer], 0, [], () => 0)).toEqual([])
    const runtime = { models: () => [] } as unknown as InferenceRuntime
    const mesh = { peers: () => [peer] } as never
    const models = clusterModels(runtime, mesh, 'self', new Map())
    expect(models.map((m) => [m.id, m.nodes, m.engines])).toEqual([
      ['anthropic:claude-a', ['a'], ['cloud:anthropic']],
      ['anthropic:claude-b', ['a'], ['cloud:anthropic']]
    ])
  })
})
