import { describe, expect, it } from 'vitest'
import { REJECTED_MAX_ENTRIES, REJECTED_TTL_MS, RejectedPeers } from '../../../agent/src/node/rejected-peers.js'

const PNET = 'private network handshake failed: bad nonce'
const CLOSED = 'connection closed during handshake (cluster key mismatch?)'

function tracker() {
  let t = 1_000_000
  const peers = new RejectedPeers({ now: () => t })
  return { peers, advance: (ms: number) => (t += ms), now: () => t }
}

describe('RejectedPeers', () => {
  it('groups a dialled node by host:port without its /p2p suffix, counting attempts', () => {
    const { peers, advance, now } = tracker()
    const start = now()
    peers.record('/ip4/10.0.0.7/tcp/32769/p2p/12D3KooWstranger', PNET, 'outbound')
    advance(1500)
    peers.record('/ip4/10.0.0.7/tcp/32769', CLOSED, 'outbound')
    advance(500)
    expect(peers.list()).toEqual([
      { address: '/ip4/10.0.0.7/tcp/32769', reason: CLOSED, direction: 'outbound', attempts: 2, first_seen: start, last_seen_ms_ago: 500 }
    ])
  })

  it('groups inbound attempts by host: their source ports are ephemeral', () => {
    const { peers, advance } = tracker()
    for (let port = 50_000; port < 50_010; port++) {
      peers.record(`/ip4/10.0.0.8/tcp/${port}`, CLOSED, 'inbound')
      advance(100)
    }
    peers.record('/ip6/fe80::1/tcp/40000', CLOSED, 'inbound')
    const list = peers.list()
    expect(list.map((p) => [p.address, p.direction, p.attempts])).toEqual([
      ['/ip6/fe80::1', 'inbound', 1],
      ['/ip4/10.0.0.8', 'inbound', 10]
    ])
    expect(list[1]?.last_seen_ms_ago).toBe(100)
  })

  it('folds inbound attempts into the one dialled address of the same host', () => {
    const { peers, advance, now } = tracker()
    const start = now()
    peers.record('/ip4/10.0.0.9/tcp/50123', CLOSED, 'inbound')
    advance(1000)
    peers.record('/ip4/10.0.0.9/tcp/32769/p2p/12D3KooWx', PNET, 'outbound')
    advance(1000)
    peers.record('/ip4/10.0.0.9/tcp/50124', CLOSED, 'inbound')
    expect(peers.list()).toEqual([
      { address: '/ip4/10.0.0.9/tcp/32769', reason: CLOSED, direction: 'both', attempts: 3, first_seen: start, last_seen_ms_ago: 0 }
    ])
  })

  it('keeps inbound attempts apart when the host has several dialled addresses', () => {
    const { peers } = tracker()
    peers.record('/ip4/127.0.0.1/tcp/40001', PNET, 'outbound')
    peers.record('/ip4/127.0.0.1/tcp/40002', PNET, 'outbound')
    peers.record('/ip4/127.0.0.1/tcp/51000', CLOSED, 'inbound')
    expect(peers.list().map((p) => [p.address, p.attempts]).sort()).toEqual([
      ['/ip4/127.0.0.1', 1],
      ['/ip4/127.0.0.1/tcp/40001', 1],
      ['/ip4/127.0.0.1/tcp/40002', 1]
    ])
  })

  it('infers the direction from /p2p when the event has none, and keeps odd addresses as they are', () => {
    const { peers } = tracker()
    peers.record('/ip4/10.0.0.5/tcp/32769/p2p/12D3KooWy', PNET)
    peers.record('/ip4/10.0.0.6/tcp/61000', CLOSED)
    peers.record('unknown', CLOSED)
    expect(peers.list().map((p) => [p.address, p.direction]).sort()).toEqual([
      ['/ip4/10.0.0.5/tcp/32769', 'outbound'],
      ['/ip4/10.0.0.6', 'inbound'],
      ['unknown', 'inbound']
    ])
  })

  it('forgets an entry REJECTED_TTL_MS after its last attempt', () => {
    const { peers, advance } = tracker()
    peers.record('/ip4/10.0.0.7/tcp/32769', PNET, 'outbound')
    advance(REJECTED_TTL_MS - 1)
    peers.record('/ip4/10.0.0.8/tcp/32769', PNET, 'outbound')
    expect(peers.list()).toHaveLength(2)
    advance(1)
    expect(peers.list().map((p) => p.address)).toEqual(['/ip4/10.0.0.8/tcp/32769'])
    // a new attempt starts a fresh count
    peers.record('/ip4/10.0.0.7/tcp/32769', PNET, 'outbound')
    expect(peers.list().find((p) => p.address === '/ip4/10.0.0.7/tcp/32769')?.attempts).toBe(1)
    advance(REJECTED_TTL_MS)
    expect(peers.list()).toEqual([])
  })

  it('is bounded, dropping the least recently seen entry first', () => {
    const { peers, advance } = tracker()
    for (let i = 0; i < REJECTED_MAX_ENTRIES; i++) {
      peers.record(`/ip4/10.1.0.${i}/tcp/32769`, PNET, 'outbound')
      advance(10)
    }
    // seen again: now the most recent, so it survives the overflow
    peers.record('/ip4/10.1.0.0/tcp/32769', PNET, 'outbound')
    peers.record('/ip4/10.2.0.1/tcp/32769', PNET, 'outbound')
    const addresses = peers.list().map((p) => p.address)
    expect(addresses).toHaveLength(REJECTED_MAX_ENTRIES)
    expect(addresses).toContain('/ip4/10.1.0.0/tcp/32769')
    expect(addresses).toContain('/ip4/10.2.0.1/tcp/32769')
    expect(addresses).not.toContain('/ip4/10.1.0.1/tcp/32769')
  })

  it('cuts long reasons', () => {
    const { peers } = tracker()
    peers.record('/ip4/10.0.0.7/tcp/1', 'x'.repeat(5000), 'outbound')
    expect(peers.list()[0]?.reason.length).toBeLessThanOrEqual(301)
  })
})
