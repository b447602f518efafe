/**
 * The peer API names the forwarding peer (`x-llmlb-peer`) on the request it injects, from the mesh's
 * own `from`, never from what the request carried: routes such as the RPC lease trust it as the caller.
 */
import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { createPeerApiHandler, INTERNAL_HEADER, PEER_HEADER } from '../../../agent/src/node/peer-api.js'

describe('peer API caller peer', () => {
  it('sets x-llmlb-peer from the forward, replacing a forged one', async () => {
    const app = Fastify()
    app.post('/echo', async (request) => ({ peer: request.headers[PEER_HEADER], internal: request.headers[INTERNAL_HEADER] }))
    await app.ready()
    const handler = createPeerApiHandler(() => app, 'secret')
    const req = { method: 'POST', path: '/echo', headers: { 'content-type': 'application/json', [PEER_HEADER]: 'forged' }, body: new TextEncoder().encode('{}'), requestId: 'r', hops: 1 }
    const res = await handler(req, '12D3KooWRealPeer')
    const chunks: Uint8Array[] = []
    for await (const c of res.body) chunks.push(c)
    expect(JSON.parse(Buffer.concat(chunks).toString())).toEqual({ peer: '12D3KooWRealPeer', internal: 'secret' })
    await app.close()
  })
})
