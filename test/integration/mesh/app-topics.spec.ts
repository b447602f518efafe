/**
 * Application gossip topics (`Mesh.publish` / `subscribe`) across real libp2p nodes in one process:
 * delivery to every subscribed member with the signer's peer id, no self-delivery, declared topics only.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { MAX_TOPIC_MESSAGE_BYTES } from '../../../mesh/src/index.js'
import { hostPort, startNode, stopAll, waitFor, waitForFullMesh } from './helpers.js'

const TOPIC = '/llmlb/test-topic/1.0.0'
const enc = new TextEncoder()
const dec = new TextDecoder()

afterEach(stopAll)

describe('mesh application topics', () => {
  it('delivers a published message to every other member, tagged with the publisher', async () => {
    const a = await startNode('a', { topics: [TOPIC] })
    const b = await startNode('b', { topics: [TOPIC], peers: [hostPort(a)] })
    const c = await startNode('c', { topics: [TOPIC], peers: [hostPort(a)] })
    await waitForFullMesh([a, b, c])
    const got: Record<string, string[]> = { a: [], b: [], c: [] }
    for (const [name, node] of [['a', a], ['b', b], ['c', c]] as const) node.subscribe(TOPIC, (data, from) => got[name]?.push(`${from}:${dec.decode(data)}`))

    // the topic mesh forms on gossip heartbeats: republish until both peers heard it once
    await waitFor(() => {
      if ((got.a?.length ?? 0) === 0 || (got.c?.length ?? 0) === 0) void b.publish(TOPIC, enc.encode('hello'))
      return (got.a?.length ?? 0) > 0 && (got.c?.length ?? 0) > 0
    }, 'a and c to hear b', 60_000)
    expect(got.a?.[0]).toBe(`${b.peerId()}:hello`)
    expect(got.c?.[0]).toBe(`${b.peerId()}:hello`)
    expect(got.b).toEqual([])
  })

  it('refuses undeclared topics, oversized messages, and publishing while stopped', async () => {
    const a = await startNode('a', { topics: [TOPIC] })
    expect(() => a.subscribe('/llmlb/nope/1.0.0', () => {})).toThrow(TypeError)
    await expect(a.publish('/llmlb/nope/1.0.0', enc.encode('x'))).rejects.toThrow(TypeError)
    await expect(a.publish(TOPIC, new Uint8Array(MAX_TOPIC_MESSAGE_BYTES + 1))).rejects.toThrow(RangeError)
    await a.stop()
    await expect(a.publish(TOPIC, enc.encode('x'))).rejects.toThrow(/not started/)
  })
})
