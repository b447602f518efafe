/** Stored responses in LMDB (put/get/delete, retention by age and count) and who may see them. */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LmdbResponseStore, type StoredResponse } from '../../../../agent/src/protocols/responses/response-store.js'
import { ResponseNotFoundError, StoredResponses, ownerOf, seesAll } from '../../../../agent/src/protocols/responses/stored-responses.js'
import { initialResponse } from '../../../../agent/src/protocols/responses/response-builder.js'
import { nodeTag, newResponseId, tagOfResponseId } from '../../../../agent/src/protocols/responses/ids.js'
import { inputItemsPage } from '../../../../agent/src/protocols/responses/input-items.js'
import type { Identity } from '../../../../agent/src/auth/identity.js'
import type { Mesh, PeerView } from '../../../../mesh/src/index.js'

let dir: string
let store: LmdbResponseStore

const stored = (id: string, createdAt: number, owner = 'api-key:k1'): StoredResponse => ({
  response: initialResponse({ id, createdAt: Math.floor(createdAt / 1000), request: { model: 'm', input: 'hi' } }),
  input: [{ type: 'message', role: 'user', content: 'hi', id: 'msg_1' }],
  context: [],
  owner,
  createdAt
})

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'llmlb-resp-'))
  store = new LmdbResponseStore(join(dir, 'responses'))
  await store.start()
})
afterEach(async () => {
  await store.stop()
  await rm(dir, { recursive: true, force: true })
})

const key = (id: string): Identity => ({ kind: 'api-key', via: 'bearer', id, scopes: ['inference'] })

describe('LmdbResponseStore', () => {
  it('puts, reads back at once, deletes, and survives a reopen', async () => {
    await store.put(stored('resp_a', 1000))
    expect(store.get('resp_a')?.input[0]?.id).toBe('msg_1')
    expect(store.size()).toBe(1)
    await store.put(stored('resp_b', 2000))
    expect(await store.delete('resp_a')).toBe(true)
    expect(await store.delete('resp_a')).toBe(false)
    await store.stop()
    store = new LmdbResponseStore(join(dir, 'responses'))
    await store.start()
    expect(store.get('resp_a')).toBeUndefined()
    expect(store.get('resp_b')?.response.id).toBe('resp_b')
    expect(store.size()).toBe(1)
  })

  it('indexes output items by id for item_reference, and forgets them with their response', async () => {
    const s = stored('resp_items', 1000)
    s.response.output = [{ type: 'message', id: 'msg_out1', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'hi', annotations: [], logprobs: [] }] }]
    await store.put(s)
    expect(store.responseOfItem('msg_out1')).toBe('resp_items')
    await store.delete('resp_items')
    expect(store.responseOfItem('msg_out1')).toBeUndefined()
    await store.put({ ...s, createdAt: 500 })
    expect(await store.prune({ olderThan: 900 })).toBe(1)
    expect(store.responseOfItem('msg_out1')).toBeUndefined()
  })

  it('retention deletes the older than the cut, then the oldest beyond the cap', async () => {
    for (let i = 0; i < 10; i++) await store.put(stored(`resp_${i}`, 1000 * (i + 1)))
    expect(await store.prune({ olderThan: 3500 })).toBe(3)
    expect(store.get('resp_2')).toBeUndefined()
    expect(store.get('resp_3')).toBeDefined()
    expect(await store.prune({ maxRecords: 4 })).toBe(3)
    expect(store.size()).toBe(4)
    expect(store.get('resp_5')).toBeUndefined()
    expect(store.get('resp_6')).toBeDefined()
  })
})

describe('StoredResponses', () => {
  const peerId = '12D3KooWSelf'
  const peerView = (id: string, status: PeerView['status'] = 'alive'): PeerView => ({ peerId: id, status }) as PeerView
  const mesh = (peers: PeerView[]): Mesh => ({ peers: () => peers }) as unknown as Mesh

  it('ids name their owner node; home finds it among live peers', () => {
    const s = new StoredResponses({ store, peerId: () => peerId, mesh: mesh([peerView('12D3KooWOther'), peerView('12D3KooWDead', 'dead'), peerView('12D3KooWGone', 'left')]) })
    const mine = s.newId()
    expect(mine).toMatch(/^resp_[0-9a-f]{48}$/)
    expect(tagOfResponseId(mine)).toBe(nodeTag(peerId))
    expect(s.home(mine)).toEqual({ at: 'self' })
    expect(s.home(newResponseId(nodeTag('12D3KooWOther')))).toEqual({ at: 'peer', peerId: '12D3KooWOther' })
    // a peer thought dead is still asked (it may only be slow); one that left is not
    expect(s.home(newResponseId(nodeTag('12D3KooWDead')))).toEqual({ at: 'peer', peerId: '12D3KooWDead' })
    expect(s.home(newResponseId(nodeTag('12D3KooWGone')))).toEqual({ at: 'unknown' })
    expect(s.home('resp_not-ours')).toEqual({ at: 'unknown' })
  })

  it('a response is visible to the key that created it and to admins only', async () => {
    const s = new StoredResponses({ store, peerId: () => peerId })
    const id = s.newId()
    await s.save(stored(id, 1000, ownerOf(key('k1'))))
    expect(s.local(id, key('k1')).response.id).toBe(id)
    expect(() => s.local(id, key('k2'))).toThrow(ResponseNotFoundError)
    expect(s.local(id, { kind: 'user', via: 'session', id: 'u1', role: 'admin', scopes: [] }).owner).toBe('api-key:k1')
    expect(() => s.local(id, { kind: 'user', via: 'session', id: 'u2', role: 'viewer', scopes: [] })).toThrow(ResponseNotFoundError)
    await expect(s.delete(id, key('k2'))).rejects.toThrow(ResponseNotFoundError)
    await s.delete(id, key('k1'))
    expect(() => s.local(id, key('k1'))).toThrow(ResponseNotFoundError)
  })

  it('output items resolve for their owner only', async () => {
    const s = new StoredResponses({ store, peerId: () => peerId })
    const id = s.newId()
    const rec = stored(id, 1000, ownerOf(key('k1')))
    rec.response.output = [{ type: 'function_call', id: `fc_${s.tag()}${'1'.repeat(24)}`, call_id: 'c1', name: 'f', arguments: '{}', status: 'completed' }]
    await s.save(rec)
    const itemId = rec.response.output[0]?.id ?? ''
    expect((await s.items([itemId, `msg_${s.tag()}${'2'.repeat(24)}`, 'msg_foreign'], key('k1'), { requestId: 'r' })).get(itemId)).toMatchObject({ name: 'f' })
    expect((await s.items([itemId], key('k2'), { requestId: 'r' })).size).toBe(0)
  })

  it('owners and admins', () => {
    expect(ownerOf(key('k1'))).toBe('api-key:k1')
    expect(ownerOf({ kind: 'open', via: 'open', scopes: [] })).toBe('anonymous')
    expect(seesAll({ kind: 'open', via: 'open', scopes: [] })).toBe(true)
    expect(seesAll({ kind: 'local-admin', via: 'bearer', id: 'local-admin', scopes: [] })).toBe(true)
    expect(seesAll({ kind: 'api-key', via: 'mesh', id: 'local-admin', scopes: [] })).toBe(true)
    expect(seesAll({ kind: 'api-key', via: 'bearer', id: 'local-admin', scopes: [] })).toBe(false)
    expect(seesAll(key('k1'))).toBe(false)
  })

  it('input_items pages: newest first by default, asc on request, after a cursor', () => {
    const items = ['a', 'b', 'c'].map((id) => ({ type: 'message' as const, role: 'user' as const, content: id, id }))
    expect(inputItemsPage(items, { limit: 2, order: 'desc' })).toEqual({ object: 'list', data: [items[2], items[1]], first_id: 'c', last_id: 'b', has_more: true })
    expect(inputItemsPage(items, { limit: 2, order: 'asc', after: 'a' })).toMatchObject({ first_id: 'b', last_id: 'c', has_more: false })
  })
})
