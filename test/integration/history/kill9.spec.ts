/**
 * `kill -9` of an agent under sustained load: after a restart on the same data dir, every request
 * that got a complete response before the kill is in history, the database opens cleanly, and the
 * token aggregates agree with the records (they commit in the same transaction).
 */
import { afterAll, describe, expect, it } from 'vitest'
import { startAgent, stopAllAgents, tinyModel, waitFor } from '../../helpers/agent-process.js'

afterAll(stopAllAgents)

async function allIds(url: string): Promise<{ ids: Set<string>; total: number }> {
  const ids = new Set<string>()
  let total = 0
  for (let page = 1; ; page++) {
    const r = (await (await fetch(`${url}/api/history?per_page=1000&page=${page}`)).json()) as { data: { id: string }[]; total: number }
    total = r.total
    for (const x of r.data) ids.add(x.id)
    if (r.data.length < 1000) break
  }
  return { ids, total }
}

describe('history survives kill -9', () => {
  it('keeps every completed request through a kill under load', async () => {
    const model = await tinyModel('model-k9')
    const a = await startAgent({ name: 'k9', models: [model] })
    const completed: string[] = []
    let stop = false
    let n = 0
    const client = async (c: number): Promise<void> => {
      while (!stop) {
        const id = `k9-${c}-${n++}`
        const stream = n % 2 === 0
        try {
          const r = await fetch(`${a.url}/v1/chat/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-request-id': id },
            body: JSON.stringify({ model: 'model-k9', messages: [{ role: 'user', content: 'hi' }], max_tokens: 3, stream })
          })
          const text = await r.text()
          // complete: the whole body arrived (the fetch body ends only with the response)
          if (r.status === 200 && (!stream || text.includes('data: [DONE]'))) completed.push(id)
        } catch {
          // the agent died mid-request: not complete
        }
      }
    }
    const clients = Array.from({ length: 6 }, (_, c) => client(c))
    await waitFor(() => completed.length >= 150, '150 completed requests', 30_000)
    await a.kill()
    stop = true
    await Promise.all(clients)
    const done = [...completed]

    const b = await startAgent({ name: 'k9', dataDir: a.dataDir, models: [model] })
    const { ids, total } = await allIds(b.url)
    const missing = done.filter((id) => !ids.has(id))
    expect(missing).toEqual([])
    expect(ids.size).toBe(total)
    const stats = (await (await fetch(`${b.url}/api/stats/tokens?by=month`)).json()) as { totals: { requests: number } }
    expect(stats.totals.requests).toBe(total)
    // and it keeps writing
    const more = await fetch(`${b.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'after-restart' }, body: JSON.stringify({ model: 'model-k9', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 }) })
    await more.text()
    expect((await fetch(`${b.url}/api/history/after-restart`)).status).toBe(200)
    await b.stop()
  })
})
