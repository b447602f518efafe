// @vitest-environment happy-dom
/** The models page's list of split models: state, coordinator, workers with their memory; nothing when none is split. */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createApiClient } from '../../../ui/src/api/client.js'
import { SplitModels } from '../../../ui/src/pages/models/split-models.jsx'
import { fakeFetch } from './helpers.js'
import { mount, type Mounted } from './render.jsx'

const shard = { id: 'big-70b', auto: false, mark: { workers: 2 }, coordinator: { name: 'box-1', peerId: 'p1' }, state: 'serving', error: 'reloaded after: lease lost on box-3', workers: [{ name: 'box-2', peerId: 'p2', bytes: 21_000_000_000 }, { name: 'box-4', peerId: 'p4', bytes: 19_500_000_000 }] }

describe('SplitModels', () => {
  let m: Mounted | undefined
  afterEach(() => m?.dispose())

  it('lists each split model with its state, coordinator and workers', async () => {
    const api = createApiClient({ fetch: fakeFetch({ 'GET /api/shards': { object: 'list', data: [shard, { id: 'other', auto: true, state: 'failed', workers: [], error: 'Not enough free RPC worker memory' }] } }) })
    m = mount(() => <SplitModels api={api} refreshKey={() => 'x'} />)
    await vi.waitFor(() => expect(m?.allByTestId('split-row')).toHaveLength(2))
    const [row, failed] = m.allByTestId('split-row')
    expect(row?.textContent).toContain('big-70b')
    expect(row?.textContent).toContain('serving')
    expect(row?.textContent).toContain('box-1')
    expect(row?.textContent).toMatch(/box-2 \(19.6 GiB\), box-4 \(18.2 GiB\)/)
    expect(failed?.textContent).toContain('failed')
    expect(failed?.querySelector('td[title]')?.getAttribute('title')).toContain('Not enough free RPC worker memory')
  })

  it('shows nothing when no model is split', async () => {
    const f = fakeFetch({ 'GET /api/shards': { object: 'list', data: [] } })
    m = mount(() => <SplitModels api={createApiClient({ fetch: f })} refreshKey={() => 'x'} />)
    await vi.waitFor(() => expect(f.calls.length).toBe(1))
    expect(m.byTestId('split-models')).toBeNull()
  })
})
