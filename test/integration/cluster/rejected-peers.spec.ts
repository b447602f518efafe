/**
 * A node started with another cluster key keeps dialling its bootstrap peer and is refused at the
 * handshake: both sides list the other in GET /api/nodes `rejected` (found, not joined), and neither
 * appears in the other's `data`.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { localAdminHeaders, meshAddress, nodesOf, startAgent, stopAllAgents, waitFor, type RunningAgent } from '../../helpers/agent-process.js'
import type { RejectedPeer } from '../../../agent/src/node/rejected-peers.js'

afterAll(stopAllAgents)

async function rejectedOf(a: RunningAgent): Promise<RejectedPeer[]> {
  const body = (await (await fetch(`${a.url}/api/nodes`, { headers: await localAdminHeaders(a) })).json()) as { rejected?: RejectedPeer[] }
  return body.rejected ?? []
}

describe('nodes with another cluster key', () => {
  it('are listed as rejected, never as members', async () => {
    const a = await startAgent({ name: 'member', clusterKey: 'c3'.repeat(32) })
    expect(await rejectedOf(a)).toEqual([])
    const seed = await meshAddress(a)
    const stranger = await startAgent({ name: 'stranger', clusterKey: 'd4'.repeat(32), peers: [seed] })

    // a sees the stranger dial in: grouped by host (its source port changes with every redial)
    const inbound = await waitFor(async () => (await rejectedOf(a)).find((r) => r.address === '/ip4/127.0.0.1'), 'member to list the stranger as rejected', 60_000, 100)
    expect(inbound.direction).toBe('inbound')
    expect(inbound.reason.length).toBeGreaterThan(0)
    expect(inbound.last_seen_ms_ago).toBeLessThan(15_000)
    expect(inbound.first_seen).toBeLessThanOrEqual(Date.now())
    // the stranger keeps redialling its bootstrap peer: the count grows
    await waitFor(async () => ((await rejectedOf(a)).find((r) => r.address === '/ip4/127.0.0.1')?.attempts ?? 0) > inbound.attempts, 'another attempt', 60_000, 200)

    // the stranger sees its own dial refused, by the address it dialled, without /p2p
    const outbound = await waitFor(async () => (await rejectedOf(stranger)).find((r) => r.direction === 'outbound'), 'stranger to list member as rejected', 60_000, 100)
    expect(seed.startsWith(`${outbound.address}/p2p/`)).toBe(true)

    expect((await nodesOf(a)).map((n) => n.name)).toEqual(['member'])
    expect((await nodesOf(stranger)).map((n) => n.name)).toEqual(['stranger'])
  })
})
