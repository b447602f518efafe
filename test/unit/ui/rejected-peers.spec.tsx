// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createApiClient } from '../../../ui/src/api/client.js'
import type { RejectedPeer } from '../../../ui/src/api/types.js'
import { explainRejection, rejectedAddressLabel, rejectionDirection } from '../../../ui/src/lib/rejected-peers.js'
import { RejectedPeers } from '../../../ui/src/pages/cluster/rejected-peers.jsx'
import { createStores } from '../../../ui/src/providers.jsx'
import { createClusterStore } from '../../../ui/src/stores/cluster.js'
import { fakeFetch, FakeEventSource, node } from './helpers.js'
import { mount, mountApp, type Mounted } from './render.jsx'

function rejected(over: Partial<RejectedPeer> = {}): RejectedPeer {
  return {
    address: '/ip4/10.0.0.7/tcp/32769',
    reason: 'connection closed during handshake (cluster key mismatch?)',
    direction: 'outbound',
    attempts: 4,
    first_seen: 1_700_000_000_000,
    last_seen_ms_ago: 5000,
    ...over
  }
}

describe('rejected peers wording', () => {
  it('labels addresses as host:port, or host alone', () => {
    expect(rejectedAddressLabel('/ip4/10.0.0.7/tcp/32769')).toBe('10.0.0.7:32769')
    expect(rejectedAddressLabel('/ip4/10.0.0.7')).toBe('10.0.0.7')
    expect(rejectedAddressLabel('/ip6/fe80::1/tcp/4001')).toBe('[fe80::1]:4001')
    expect(rejectedAddressLabel('/ip6/fe80::1')).toBe('fe80::1')
    expect(rejectedAddressLabel('unknown')).toBe('unknown')
  })

  it('explains the handshake failures the mesh reports', () => {
    expect(explainRejection('private network handshake failed: bad nonce')).toBe('Connection refused: different cluster key?')
    expect(explainRejection('connection closed during handshake (cluster key mismatch?)')).toBe('Connection refused: different cluster key?')
    expect(explainRejection('noise handshake failed: invalid payload')).toContain('Encryption handshake failed')
    expect(explainRejection('something else')).toBe('Connection refused during the handshake.')
    expect(rejectionDirection('both')).toContain('found by this node')
  })
})

describe('RejectedPeers', () => {
  let m: Mounted | undefined
  afterEach(() => m?.dispose())

  it('shows one card per address with the reason, attempts, last seen and how to join', () => {
    m = mount(() => <RejectedPeers peers={[rejected(), rejected({ address: '/ip4/10.0.0.8', direction: 'inbound', attempts: 1, reason: 'noise handshake failed: x', last_seen_ms_ago: 120_000 })]} />)
    const cards = m.allByTestId('rejected-peer')
    expect(cards.map((c) => c.dataset.address)).toEqual(['/ip4/10.0.0.7/tcp/32769', '/ip4/10.0.0.8'])
    const [first, second] = cards
    expect(first?.querySelector('[data-testid="rejected-address"]')?.textContent).toBe('10.0.0.7:32769')
    expect(first?.querySelector('[data-testid="rejected-reason"]')?.textContent).toBe('Connection refused: different cluster key?')
    expect(first?.querySelector('[data-testid="rejected-reason"]')?.getAttribute('title')).toContain('cluster key mismatch')
    expect(first?.textContent).toContain('found by this node · 4 attempts · last 5 s ago')
    expect(first?.querySelector('[data-testid="rejected-hint"]')?.textContent).toContain("start it with this cluster's key (see <data-dir>/cluster.key on any member)")
    expect(first?.querySelector('[data-testid="rejected-hint"]')?.textContent).toContain('llmlb serve --cluster-key <key>')
    expect(second?.textContent).toContain('tried to connect here · 1 attempt · last 2 m ago')
    expect(second?.textContent).toContain('Encryption handshake failed')
  })

  it('renders nothing for an empty list', () => {
    m = mount(() => <RejectedPeers peers={[]} />)
    expect(m.byTestId('rejected-peers')).toBeNull()
    expect(m.root.textContent).toBe('')
  })
})

describe('cluster page with rejected peers', () => {
  let m: Mounted | undefined
  beforeEach(() => {
    FakeEventSource.instances = []
  })
  afterEach(() => m?.dispose())

  it('shows "Not joined" cards from the snapshots under the node grid, and drops them when they expire', async () => {
    // no /api/auth/me route: 404, so the dashboard runs open (auth off)
    const f = fakeFetch({ 'GET /health': { status: 'ok', name: 'box-1', version: '0.1.0', uptime_s: 5 }, 'GET /api/nodes': { object: 'list', data: [] } })
    const api = createApiClient({ fetch: f })
    const stores = createStores(api, { cluster: createClusterStore(api, { eventSource: (url) => new FakeEventSource(url) }) })
    m = mountApp('/', api, stores)
    void stores.session.load()
    await vi.waitFor(() => expect(m?.byTestId('cluster-page')).not.toBeNull())
    const es = FakeEventSource.last()
    es.open()
    // an agent that predates the field sends none
    es.emit('nodes', { object: 'list', data: [node({ name: 'box-1', self: true })] })
    await vi.waitFor(() => expect(m?.allByTestId('node-card')).toHaveLength(1))
    expect(m.byTestId('rejected-peers')).toBeNull()
    expect(stores.cluster.state.rejected).toEqual([])

    es.emit('nodes', { object: 'list', data: [node({ name: 'box-1', self: true })], rejected: [rejected()] })
    await vi.waitFor(() => expect(m?.allByTestId('rejected-peer')).toHaveLength(1))
    const grid = m.byTestId('node-grid')
    const section = m.byTestId('rejected-peers')
    expect(grid && section && grid.compareDocumentPosition(section) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy()
    expect(section?.querySelector('h2')?.textContent).toBe('Not joined')

    es.emit('nodes', { object: 'list', data: [node({ name: 'box-1', self: true })], rejected: [rejected({ attempts: 9, last_seen_ms_ago: 0 })] })
    await vi.waitFor(() => expect(m?.byTestId('rejected-peer')?.textContent).toContain('9 attempts · last just now'))

    es.emit('nodes', { object: 'list', data: [node({ name: 'box-1', self: true })], rejected: [] })
    await vi.waitFor(() => expect(m?.byTestId('rejected-peers')).toBeNull())
  })
})
