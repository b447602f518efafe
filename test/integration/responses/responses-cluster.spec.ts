/**
 * The Responses API through the official openai client on a 3-node cluster where the model lives on
 * node 1 and clients talk to nodes 2 and 3: create (JSON and stream), stored responses read, listed and
 * deleted from any node, `previous_response_id` continued on another node than the one that stored the
 * response, bad input, and the history records of it all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import OpenAI from 'openai'
import type { ResponseCreateParamsNonStreaming, ResponseCreateParamsStreaming, ResponseStreamEvent } from 'openai/resources/responses/responses'
import { meshAddress, modelIdsOf, nodesOf, startAgent, stopAllAgents, tinyModel, waitFor, type RunningAgent } from '../../helpers/agent-process.js'

const MODEL = 'resp-model'
let n1: RunningAgent
let n2: RunningAgent
let n3: RunningAgent
const client = (a: RunningAgent): OpenAI => new OpenAI({ baseURL: `${a.url}/v1`, apiKey: 'unused', maxRetries: 0 })

beforeAll(async () => {
  const key = 'c3'.repeat(32)
  // a long context: the stream a client leaves must still be generating when it leaves
  n1 = await startAgent({ name: 'r1', models: [await tinyModel(MODEL, { template: 'hermes', ctx: 16384 })], clusterKey: key, args: ['--ctx-size', '16384'] })
  const seed = await meshAddress(n1)
  ;[n2, n3] = await Promise.all([startAgent({ name: 'r2', clusterKey: key, peers: [seed] }), startAgent({ name: 'r3', clusterKey: key, peers: [seed] })])
  for (const a of [n2, n3]) await waitFor(async () => (await modelIdsOf(a)).includes(MODEL), `${a.name} to see ${MODEL}`, 20_000)
  // r2 and r3 must know each other too (stored responses are fetched from their owner)
  await waitFor(async () => {
    const nodes = (await (await fetch(`${n2.url}/api/nodes`)).json()) as { data: { name: string; status: string }[] }
    return nodes.data.some((n) => n.name === 'r3' && n.status === 'alive')
  }, 'r2 to see r3', 20_000)
})
afterAll(stopAllAgents)

interface HistoryRow {
  id: string
  api: string
  servedBy: string | null
  inputTokens: number
  outputTokens: number
  status: number
  stream: boolean
}

async function historyOf(a: RunningAgent, requestId: string): Promise<HistoryRow> {
  return waitFor(async () => {
    const r = await fetch(`${a.url}/api/history/${requestId}`)
    return r.status === 200 ? ((await r.json()) as HistoryRow) : undefined
  }, `history record ${requestId}`)
}

describe('Responses API across the mesh (openai client)', () => {
  it('non-stream: a response object with a message, usage, served by the node that has the model', async () => {
    const { data: r, response } = await client(n3).responses.create({ model: MODEL, input: 'hello there', instructions: 'answer briefly', max_output_tokens: 8, temperature: 0.7, metadata: { case: 'one' }, ignore_eos: true } as ResponseCreateParamsNonStreaming).withResponse()
    expect(response.headers.get('x-llmlb-served-by')).toBe('r1')
    expect(response.headers.get('x-llmlb-route')).toBe('forwarded')
    expect(r.object).toBe('response')
    expect(r.id).toMatch(/^resp_[0-9a-f]{48}$/)
    expect(['completed', 'incomplete']).toContain(r.status)
    expect(r.model).toBe(MODEL)
    expect(r.instructions).toBe('answer briefly')
    expect(r.metadata).toEqual({ case: 'one' })
    const msg = r.output[0]
    expect(msg?.type).toBe('message')
    const text = msg?.type === 'message' && msg.content[0]?.type === 'output_text' ? msg.content[0].text : undefined
    expect(text).toBeTypeOf('string')
    expect(r.output_text).toBe(text)
    expect(r.usage?.output_tokens).toBeGreaterThan(0)
    expect(r.usage?.output_tokens).toBeLessThanOrEqual(8)
    expect(r.usage?.input_tokens).toBeGreaterThan(0)
    expect(r.usage?.total_tokens).toBe((r.usage?.input_tokens ?? 0) + (r.usage?.output_tokens ?? 0))

    const rec = await historyOf(n3, response.headers.get('x-request-id') ?? '')
    expect(rec).toMatchObject({ api: 'responses', servedBy: 'r1', status: 200, stream: false, inputTokens: r.usage?.input_tokens, outputTokens: r.usage?.output_tokens })
  })

  it('stream: OpenAI event order, increasing sequence numbers, deltas that add up to the final text', async () => {
    const { data: stream, response } = await client(n2).responses.create({ model: MODEL, input: 'tell me a story', max_output_tokens: 12, stream: true, ignore_eos: true } as ResponseCreateParamsStreaming).withResponse()
    expect(response.headers.get('x-llmlb-served-by')).toBe('r1')
    const events: ResponseStreamEvent[] = []
    for await (const e of stream) events.push(e)
    const types = events.map((e) => e.type)
    expect(types.slice(0, 5)).toEqual(['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added', 'response.output_text.delta'])
    expect(types.slice(-4, -1)).toEqual(['response.output_text.done', 'response.content_part.done', 'response.output_item.done'])
    const last = events.at(-1)
    expect(['response.completed', 'response.incomplete']).toContain(last?.type)
    const seqs = events.map((e) => e.sequence_number)
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1] as number)
    const deltas = events.flatMap((e) => (e.type === 'response.output_text.delta' ? [e.delta] : [])).join('')
    const done = events.find((e) => e.type === 'response.output_text.done')
    expect(done?.type === 'response.output_text.done' && done.text).toBe(deltas)
    const final = last?.type === 'response.completed' || last?.type === 'response.incomplete' ? last.response : undefined
    const msg = final?.output[0]
    expect(msg?.type === 'message' && msg.content[0]?.type === 'output_text' ? msg.content[0].text : undefined).toBe(deltas)
    expect(final?.usage?.output_tokens).toBeGreaterThan(0)

    const rec = await historyOf(n2, response.headers.get('x-request-id') ?? '')
    expect(rec).toMatchObject({ api: 'responses', servedBy: 'r1', stream: true, outputTokens: final?.usage?.output_tokens, inputTokens: final?.usage?.input_tokens })
  })

  it('logprobs: include message.output_text.logprobs with top_logprobs gives one entry per token', async () => {
    const r = await client(n3).responses.create({ model: MODEL, input: 'hi', max_output_tokens: 5, include: ['message.output_text.logprobs'], top_logprobs: 2, ignore_eos: true } as OpenAI.Responses.ResponseCreateParamsNonStreaming)
    const part = r.output[0]?.type === 'message' ? r.output[0].content[0] : undefined
    const logprobs = part?.type === 'output_text' ? (part.logprobs ?? []) : []
    expect(logprobs).toHaveLength(5)
    for (const l of logprobs) {
      expect(l.logprob).toBeLessThanOrEqual(0)
      expect(l.top_logprobs).toHaveLength(2)
    }
  })

  it('a client that leaves a stream at r3 frees the slot on r1, and its response is not stored', async () => {
    const ac = new AbortController()
    const r = await fetch(`${n3.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: MODEL, input: 'go on forever', max_output_tokens: 100000, ignore_eos: true, stream: true }), signal: ac.signal })
    const reader = (r.body as ReadableStream<Uint8Array>).getReader()
    let head = ''
    while (!head.includes('response.output_text.delta')) head += new TextDecoder().decode((await reader.read()).value)
    const id = /"id":"(resp_[0-9a-f]+)"/.exec(head)?.[1] ?? ''
    const busy = async (): Promise<number> => (await nodesOf(n1)).find((n) => n.self)?.models.find((m) => m.id === MODEL)?.slotsBusy ?? -1
    expect(await busy()).toBe(1)
    ac.abort()
    await waitFor(async () => (await busy()) === 0, 'the slot on r1 to be freed', 5000)
    expect((await fetch(`${n3.url}/v1/responses/${id}`)).status).toBe(404)
    // recorded as aborted, with the output tokens estimated from the deltas sent
    const rec = (await historyOf(n3, r.headers.get('x-request-id') ?? '')) as HistoryRow & { outcome: string; tokensEstimated: boolean }
    expect(rec).toMatchObject({ api: 'responses', servedBy: 'r1', outcome: 'aborted', tokensEstimated: true })
    expect(rec.outputTokens).toBeGreaterThan(0)
  })

  it('a response stored on r2 is retrieved, listed and continued from r3 and r1 (previous_response_id across nodes)', async () => {
    const first = await client(n2).responses.create({ model: MODEL, input: [{ role: 'user', content: [{ type: 'input_text', text: 'remember the word kiwi' }] }], max_output_tokens: 6 })
    // read from the other nodes: they relay to r2, which owns it
    for (const a of [n3, n1]) {
      const got = await client(a).responses.retrieve(first.id)
      expect(got.id).toBe(first.id)
      expect(got.output_text).toBe(first.output_text)
    }
    const items = await client(n3).responses.inputItems.list(first.id)
    expect(items.data).toHaveLength(1)
    expect(items.data[0]).toMatchObject({ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'remember the word kiwi' }] })

    // continued on r3: r3 fetches the conversation from r2 through the mesh
    const second = await client(n3).responses.create({ model: MODEL, input: 'what was the word?', previous_response_id: first.id, max_output_tokens: 6 })
    expect(second.previous_response_id).toBe(first.id)
    // the prompt holds the first turn (question and answer) too
    expect(second.usage?.input_tokens).toBeGreaterThan((first.usage?.input_tokens ?? 0) + (first.usage?.output_tokens ?? 0))
    // and once more on r1, continuing r3's response: the whole chain arrives
    const third = await client(n1).responses.create({ model: MODEL, input: 'and again?', previous_response_id: second.id, max_output_tokens: 4 })
    expect(third.usage?.input_tokens).toBeGreaterThan((second.usage?.input_tokens ?? 0) + (second.usage?.output_tokens ?? 0))
    const secondItems = await client(n1).responses.inputItems.list(second.id, { order: 'asc' })
    expect(secondItems.data).toEqual([{ id: expect.stringMatching(/^msg_/), type: 'message', role: 'user', content: [{ type: 'input_text', text: 'what was the word?' }] }])
  })

  it('item_reference to an output item stored on another node is resolved through the mesh', async () => {
    // ignore_eos: the referenced answer has text (an empty one is covered by the builder's unit test)
    const first = await client(n2).responses.create({ model: MODEL, input: 'first turn', max_output_tokens: 6, ignore_eos: true } as ResponseCreateParamsNonStreaming)
    const msg = first.output[0]
    const second = await client(n3).responses.create({ model: MODEL, input: [{ role: 'user', content: 'first turn' }, { type: 'item_reference', id: msg?.id ?? '' }, { role: 'user', content: 'second turn' }], max_output_tokens: 4 })
    // the referenced answer is part of the prompt
    expect(second.usage?.input_tokens).toBeGreaterThan((first.usage?.input_tokens ?? 0) + (first.usage?.output_tokens ?? 0))
    const items = await client(n3).responses.inputItems.list(second.id, { order: 'asc' })
    expect(items.data[1]).toMatchObject({ id: msg?.id, type: 'message', role: 'assistant' })
    await expect(client(n3).responses.create({ model: MODEL, input: [{ type: 'item_reference', id: `msg_${'0'.repeat(40)}` }] })).rejects.toMatchObject({ status: 400, param: 'input[0].id' })
  })

  it('delete from another node; afterwards the response and its follow-ups are gone', async () => {
    const r = await client(n2).responses.create({ model: MODEL, input: 'to be deleted', max_output_tokens: 3 })
    const del = await fetch(`${n1.url}/v1/responses/${r.id}`, { method: 'DELETE' })
    expect(del.status).toBe(200)
    expect(await del.json()).toEqual({ id: r.id, object: 'response.deleted', deleted: true })
    await expect(client(n2).responses.retrieve(r.id)).rejects.toMatchObject({ status: 404, code: 'not_found' })
    await expect(client(n3).responses.delete(r.id)).rejects.toMatchObject({ status: 404 })
    await expect(client(n3).responses.create({ model: MODEL, input: 'x', previous_response_id: r.id, max_output_tokens: 2 })).rejects.toMatchObject({ status: 400, code: 'previous_response_not_found', param: 'previous_response_id' })
  })

  it('store: false is not kept', async () => {
    const r = await client(n3).responses.create({ model: MODEL, input: 'ephemeral', max_output_tokens: 3, store: false })
    expect((r as unknown as { store: boolean }).store).toBe(false)
    await expect(client(n3).responses.retrieve(r.id)).rejects.toMatchObject({ status: 404 })
  })

  it('bad input: unknown previous_response_id, bad items, unknown model — OpenAI errors, and the node keeps serving', async () => {
    const c = client(n3)
    await expect(c.responses.create({ model: MODEL, input: 'x', previous_response_id: 'resp_doesnotexist' })).rejects.toMatchObject({ status: 400, code: 'previous_response_not_found' })
    await expect(c.responses.create({ model: MODEL, input: 'x', previous_response_id: `resp_${'0'.repeat(48)}` })).rejects.toMatchObject({ status: 400, code: 'previous_response_not_found' })
    await expect(c.responses.create({ model: MODEL, input: [{ type: 'function_call_output', call_id: 'nope', output: 'x' }] })).rejects.toMatchObject({ status: 400, code: 'invalid_request', param: 'input[0].call_id' })
    await expect(c.responses.create({ model: MODEL, input: [{ type: 'function_call', call_id: 'c1', name: 'f' } as never] })).rejects.toMatchObject({ status: 400, param: 'input[0].arguments' })
    await expect(c.responses.create({ model: MODEL, input: [{ type: 'mystery_item' } as never] })).rejects.toMatchObject({ status: 400, param: 'input[0].type' })
    await expect(c.responses.create({ model: 'no-such-model', input: 'x' })).rejects.toMatchObject({ status: 404, code: 'model_not_found' })
    await expect(c.responses.retrieve('resp_nope')).rejects.toMatchObject({ status: 404 })
    const raw = await fetch(`${n3.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":' })
    expect(raw.status).toBe(400)
    expect(((await raw.json()) as { error: { code: string } }).error.code).toBe('invalid_json')
    const ok = await c.responses.create({ model: MODEL, input: 'still alive?', max_output_tokens: 3 })
    expect(ok.output.length).toBeGreaterThan(0)
  })
})
