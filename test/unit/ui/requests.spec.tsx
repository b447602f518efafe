// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createApiClient } from '../../../ui/src/api/client.js'
import { HistoryTable } from '../../../ui/src/pages/requests/history-table.jsx'
import { RequestDetail } from '../../../ui/src/pages/requests/request-detail.jsx'
import { createStores } from '../../../ui/src/providers.jsx'
import { createClusterStore } from '../../../ui/src/stores/cluster.js'
import { fakeFetch, FakeEventSource, historyRow } from './helpers.js'
import { mount, mountApp, type Mounted } from './render.jsx'

describe('request history views', () => {
  let m: Mounted | undefined
  afterEach(() => m?.dispose())

  it('shows route, reason and outcome of the agent’s records', () => {
    const rows = [
      historyRow(),
      historyRow({ id: 'req-2', route: 'local', hops: 0, reason: 'only-holder', servedBy: 'n1' }),
      historyRow({ id: 'req-3', model: null, servedBy: null, route: null, reason: null, hops: 0, status: 401, outcome: 'error', error: { code: 'unauthorized', message: 'Invalid API key' } }),
      historyRow({ id: 'req-4', status: 200, outcome: 'aborted', tokensEstimated: true, outputTokens: 7 })
    ]
    m = mount(() => <HistoryTable rows={rows} onOpen={() => undefined} />)
    const cells = (id: string) => [...(m?.root.querySelector(`[data-id="${id}"]`)?.querySelectorAll('td') ?? [])].map((td) => td.textContent?.trim())
    expect(cells('req-1').slice(1, 7)).toEqual(['tiny', 'chat', 'n1', 'n2', 'forwarded · least-loaded', '200'])
    expect(cells('req-2')[5]).toBe('local · only-holder')
    expect(cells('req-3').slice(1, 7)).toEqual(['—', 'chat', 'n1', '—', '—', '401'])
    expect(m.root.querySelector('[data-id="req-3"] [data-outcome]')?.className).toContain('badge-warn')
    expect(m.root.querySelector('[data-id="req-3"] td[title]')?.getAttribute('title')).toBe('Invalid API key')
    expect(cells('req-4')[6]).toBe('200 aborted')
    expect(cells('req-4')[9]).toBe('20 / ~7')
  })

  it('pretty-prints a JSON body and shows a streamed answer as stored', () => {
    const detail = {
      ...historyRow({ error: { code: 'runtime_error', message: 'the runtime stopped' }, outcome: 'error' }),
      requestBody: '{"model":"tiny","messages":[]}',
      responseBody: 'data: {"x":1}\n\ndata: [DONE]\n\n',
      bodiesTruncated: true
    }
    m = mount(() => <RequestDetail detail={detail} loading={false} error={null} />)
    expect(m.byTestId('detail-request')?.textContent).toBe('{\n  "model": "tiny",\n  "messages": []\n}')
    expect(m.byTestId('detail-response')?.textContent).toBe('data: {"x":1}\n\ndata: [DONE]\n\n')
    expect(m.root.textContent).toContain('runtime_error the runtime stopped')
    expect(m.root.textContent).toContain('cut to the node')
    expect(m.root.textContent).toContain('forwarded, 1 hop · least-loaded')
  })

  it('asks the whole cluster and says which nodes did not answer', async () => {
    const f = fakeFetch({
      'GET /health': { status: 'ok', name: 'n1', version: '0.1.0', uptime_s: 5 },
      'GET /api/nodes': { object: 'list', data: [] },
      'GET /api/auth/me': { user: { id: 'u1', username: 'v', role: 'viewer', mustChangePassword: false }, csrfToken: 'c' },
      'GET /v1/models': { object: 'list', data: [] },
      'GET /api/history': {
        object: 'list',
        data: [historyRow()],
        total: 1,
        total_exact: false,
        page: 1,
        per_page: 50,
        scope: 'cluster',
        nodes_answered: ['n1', 'n2'],
        nodes_failed: [{ node: 'n3', error: 'peer is down' }],
        partial: true
      }
    })
    const api = createApiClient({ fetch: f })
    const stores = createStores(api, { cluster: createClusterStore(api, { eventSource: (url) => new FakeEventSource(url) }) })
    m = mountApp('/requests?status=error', api, stores)
    void stores.session.load()
    await vi.waitFor(() => expect(m?.allByTestId('history-row')).toHaveLength(1))
    expect(f.calls.find((c) => c.url.startsWith('/api/history'))?.url).toBe('/api/history?page=1&per_page=50&status=error&scope=cluster')
    expect(m.byTestId('nodes-answered')?.textContent).toMatch(/2 of 3 nodes answered: no answer from n3/)
    expect(m.byTestId('pagination')?.textContent).toContain('at least 1 request')
  })
})
