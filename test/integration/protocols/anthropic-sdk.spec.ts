/**
 * The official Anthropic SDK against the first node of a 3-node cluster whose model lives on the third:
 * create, stream (events in Anthropic's order), countTokens, the error shapes of a bad request and of a
 * wrong key, and the history records of all of it (api `anthropic`, tokens, served-by node).
 */
import Anthropic from '@anthropic-ai/sdk'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { localAdminHeaders, stopAllAgents, waitFor } from '../../helpers/agent-process.js'
import { historyOf, startProtocolCluster, type ProtocolCluster } from './cluster-fixture.js'

let c: ProtocolCluster
let client: Anthropic

beforeAll(async () => {
  c = await startProtocolCluster('a7'.repeat(32))
  client = new Anthropic({ apiKey: c.key, baseURL: c.ingress.url, maxRetries: 0 })
})
afterAll(stopAllAgents)

describe('Anthropic SDK against a node that does not hold the model', () => {
  it('messages.create answers a message served by another node', async () => {
    const { data, response } = await client.messages
      .create({ model: c.model, max_tokens: 6, system: 'Be brief.', messages: [{ role: 'user', content: 'Say hello' }] })
      .withResponse()
    expect(response.headers.get('x-llmlb-served-by')).toBe(c.server.name)
    expect(data.type).toBe('message')
    expect(data.role).toBe('assistant')
    expect(data.id).toMatch(/^msg_/)
    expect(data.content[0]?.type).toBe('text')
    expect(data.content[0]?.type === 'text' && data.content[0].text.length).toBeGreaterThan(0)
    expect(data.stop_reason).toBe('max_tokens')
    expect(data.usage.output_tokens).toBe(6)
    expect(data.usage.input_tokens).toBeGreaterThan(0)
  })

  it('messages.stream sends the events in order and assembles the text', async () => {
    const stream = client.messages.stream({ model: c.model, max_tokens: 5, messages: [{ role: 'user', content: 'Count to five' }] })
    const types: string[] = []
    let deltas = ''
    for await (const ev of stream) {
      types.push(ev.type)
      if (ev.type === 'content_block_delta' && ev.delta.type === 'text_delta') deltas += ev.delta.text
    }
    const final = await stream.finalMessage()
    expect(types[0]).toBe('message_start')
    expect(types.slice(-2)).toEqual(['message_delta', 'message_stop'])
    const blockEvents = types.filter((t) => t.startsWith('content_block'))
    expect(blockEvents[0]).toBe('content_block_start')
    expect(blockEvents.at(-1)).toBe('content_block_stop')
    expect(types.filter((t) => t === 'content_block_delta').length).toBeGreaterThan(0)
    const text = final.content.map((b) => (b.type === 'text' ? b.text : '')).join('')
    expect(text).toBe(deltas)
    expect(text.length).toBeGreaterThan(0)
    expect(final.stop_reason).toBe('max_tokens')
    expect(final.usage.output_tokens).toBe(5)
    expect(final.usage.input_tokens).toBeGreaterThan(0)
  })

  it('aborting a stream stops the generation on the serving node and frees its slot', async () => {
    const stream = client.messages.stream({ model: c.model, max_tokens: 450, messages: [{ role: 'user', content: 'Write a long story' }] })
    // the first text arrived: the client leaves
    stream.once('text', () => stream.abort())
    expect(await stream.done().then(() => 'completed', () => 'aborted')).toBe('aborted')
    const busy = async (): Promise<number> => {
      const nodes = (await (await fetch(`${c.ingress.url}/api/nodes`, { headers: await localAdminHeaders(c.ingress) })).json()) as { data: { name: string; models: { id: string; slotsBusy: number }[] }[] }
      return nodes.data.find((n) => n.name === c.server.name)?.models.find((m) => m.id === c.model)?.slotsBusy ?? -1
    }
    await waitFor(async () => (await busy()) === 0, 'the serving slot to be free', 20_000)
    const aborted = await waitFor(async () => (await historyOf(c, 'anthropic')).find((r) => r.stream && r.outcome === 'aborted'), 'the aborted stream in history', 10_000)
    // cut short: far fewer tokens than asked for were generated
    expect(aborted.outputTokens).toBeLessThan(450)
  })

  it('countTokens counts the prompt on the node holding the model, and a longer prompt counts more', async () => {
    const short = await client.messages.countTokens({ model: c.model, messages: [{ role: 'user', content: 'hello' }] })
    const long = await client.messages.countTokens({ model: c.model, system: 'You are a node of a mesh.', messages: [{ role: 'user', content: 'hello world and the mesh of the cluster' }] })
    expect(short.input_tokens).toBeGreaterThan(0)
    expect(long.input_tokens).toBeGreaterThan(short.input_tokens)
  })

  it('a bad request is a 400 invalid_request_error in Anthropic shape', async () => {
    const err = await client.messages.create({ model: c.model, messages: [{ role: 'user', content: 'hi' }] } as unknown as Anthropic.MessageCreateParamsNonStreaming).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Anthropic.BadRequestError)
    const e = err as InstanceType<typeof Anthropic.BadRequestError>
    expect(e.status).toBe(400)
    expect(e.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('max_tokens') } })
  })

  it('an unknown model is a 404 not_found_error', async () => {
    const err = await client.messages.create({ model: 'no-such-model', max_tokens: 4, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Anthropic.NotFoundError)
    expect((err as InstanceType<typeof Anthropic.NotFoundError>).error).toMatchObject({ type: 'error', error: { type: 'not_found_error' } })
  })

  it('an image block is routed by the vision capability: a text-only model is a clear 400', async () => {
    const err = await client.messages
      .create({ model: c.model, max_tokens: 4, messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }] }] })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Anthropic.BadRequestError)
    expect((err as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('vision') } })
    const counted = await client.messages.countTokens({ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e)
    expect(counted).toBeInstanceOf(Anthropic.NotFoundError)
  })

  it('a wrong key is a 401 authentication_error (x-api-key)', async () => {
    const wrong = new Anthropic({ apiKey: `llmlb_0123456789abcdef_${'A'.repeat(43)}`, baseURL: c.ingress.url, maxRetries: 0 })
    const err = await wrong.messages.create({ model: c.model, max_tokens: 4, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Anthropic.AuthenticationError)
    expect((err as InstanceType<typeof Anthropic.AuthenticationError>).error).toMatchObject({ type: 'error', error: { type: 'authentication_error' } })
  })

  it('every request above is in history as anthropic, with tokens and the serving node', async () => {
    const records = await historyOf(c, 'anthropic')
    const served = records.filter((r) => r.status === 200 && r.outcome === 'success')
    // create, stream, two token counts
    expect(served.length).toBeGreaterThanOrEqual(4)
    for (const r of served) expect(r.servedBy).toBe(c.server.name)
    const generated = served.filter((r) => r.outputTokens > 0)
    expect(generated.map((r) => r.stream).sort()).toEqual([false, true])
    for (const r of generated) expect(r.inputTokens).toBeGreaterThan(0)
    // token counts are recorded, but charge no tokens to the statistics
    const counts = served.filter((r) => r.outputTokens === 0)
    expect(counts.length).toBe(2)
    for (const r of counts) expect(r.inputTokens).toBe(0)
    expect(records.map((r) => r.status).sort()).toEqual(expect.arrayContaining([400, 401, 404]))
    // refusals keep the stable error code, whatever the shape the client saw
    expect(records.filter((r) => r.status >= 400).map((r) => r.error?.code)).toEqual(expect.arrayContaining(['unauthorized', 'model_not_found', 'invalid_request', 'model_capability_missing']))
    // the node kept working through the errors
    const after = await client.messages.create({ model: c.model, max_tokens: 2, messages: [{ role: 'user', content: 'again' }] })
    expect(after.usage.output_tokens).toBe(2)
  })
})
