// @vitest-environment happy-dom
/** The models page's list of this node's engines: shown to admins, left out for anyone the API refuses. */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createApiClient } from '../../../ui/src/api/client.js'
import { NodeEngines } from '../../../ui/src/pages/models/node-engines.jsx'
import { fakeFetch, json } from './helpers.js'
import { mount, type Mounted } from './render.jsx'

const engine = { id: 'a1b2c3', url: 'http://127.0.0.1:11434', kind: 'ollama', health: 'down', lastError: 'connection refused', hasKey: false, slots: { total: 4, busy: 1, waiting: 2 }, load: {}, models: [{ id: 'llama3.2' }, { id: 'qwen' }] }

describe('NodeEngines', () => {
  let m: Mounted | undefined
  afterEach(() => m?.dispose())

  it('lists the engines with kind, health, load and models', async () => {
    const api = createApiClient({ fetch: fakeFetch({ 'GET /api/engines': { object: 'list', node: 'box-1', data: [engine] } }) })
    m = mount(() => <NodeEngines api={api} refreshKey={() => 'x'} />)
    await vi.waitFor(() => expect(m?.allByTestId('engine-row')).toHaveLength(1))
    const row = m.allByTestId('engine-row')[0]
    expect(m.byTestId('node-engines')?.textContent).toContain('Engines on box-1')
    expect(row?.textContent).toContain('ollama')
    expect(row?.textContent).toContain('down')
    expect(row?.textContent).toContain('1/4 +2')
    expect(row?.textContent).toContain('llama3.2, qwen')
  })

  it('shows nothing to a user the API refuses', async () => {
    const f = fakeFetch({ 'GET /api/engines': () => json(403, { error: { message: 'no', type: 'permission_error', param: null, code: 'forbidden' } }) })
    const api = createApiClient({ fetch: f })
    m = mount(() => <NodeEngines api={api} refreshKey={() => 'x'} />)
    await vi.waitFor(() => expect(f.calls.length).toBe(1))
    expect(m.byTestId('node-engines')).toBeNull()
  })
})
