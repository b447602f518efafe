/** The Ollama translator's pure parts: requests → chat bodies, chat chunks → NDJSON lines, model listings, errors. */
import { describe, expect, it } from 'vitest'
import { ChatRequestSchema, GenerateRequestSchema } from '../../../../agent/src/protocols/ollama/schemas.js'
import { chatRequestOf, generateRequestOf, imageMimeOf, modelIdOf, samplingOf } from '../../../../agent/src/protocols/ollama/to-chat.js'
import { answerLines, finalBody, type AnswerMeta } from '../../../../agent/src/protocols/ollama/format.js'
import { capabilitiesOf, tagOf } from '../../../../agent/src/protocols/ollama/models.js'
import { ollamaErrorOf } from '../../../../agent/src/protocols/ollama/errors.js'
import { ChatPathError, collectChat, type ChatChunk } from '../../../../agent/src/protocols/chat-events.js'
import type { ClusterModel } from '../../../../agent/src/inference/cluster-models.js'

const chunk = (delta: ChatChunk['choices'][number]['delta'], finish: string | null = null, usage?: ChatChunk['usage']): ChatChunk => ({ id: 'c1', created: 1, model: 'm', choices: usage ? [] : [{ index: 0, delta, finish_reason: finish }], ...(usage ? { usage } : {}) })
const usage = { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 }

async function* from<T>(items: T[], fail?: Error): AsyncGenerator<T> {
  for (const i of items) yield i
  if (fail) throw fail
}

/** A clock that advances 1 ms (in ns) per reading. */
function fakeClock(): () => bigint {
  let t = 0n
  return () => (t += 1_000_000n)
}

describe('Ollama requests → chat bodies', () => {
  it('chat: options, format json, images, tool calls and tool results, :latest dropped', () => {
    const req = ChatRequestSchema.parse({
      model: 'm:latest',
      format: 'json',
      options: { temperature: 0.2, top_p: 0.9, top_k: 40, num_predict: 12, stop: ['\n'], seed: 3, num_ctx: 8192 },
      messages: [
        { role: 'system', content: 'sys' },
        { role: 'user', content: 'look', images: ['/9j/AAAA'] },
        { role: 'assistant', content: '', tool_calls: [{ function: { name: 'weather', arguments: { city: 'Oslo' } } }] },
        { role: 'tool', content: 'cold', tool_name: 'weather' }
      ],
      tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object' } } }]
    })
    expect(chatRequestOf(req)).toEqual({
      model: 'm',
      temperature: 0.2,
      top_p: 0.9,
      top_k: 40,
      seed: 3,
      stop: ['\n'],
      max_tokens: 12,
      response_format: { type: 'json_object' },
      messages: [
        { role: 'system', content: 'sys' },
        { role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/AAAA' } }] },
        { role: 'assistant', content: null, tool_calls: [{ id: 'call_2_0', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }] },
        { role: 'tool', content: 'cold', name: 'weather' }
      ],
      tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object' } } }]
    })
  })

  it('generate: system and prompt; a schema format; num_predict -1 means no limit', () => {
    const req = GenerateRequestSchema.parse({ model: 'm', prompt: 'p', system: 's', format: { type: 'object' }, options: { num_predict: -1 } })
    expect(generateRequestOf(req)).toEqual({
      model: 'm',
      messages: [{ role: 'system', content: 's' }, { role: 'user', content: 'p' }],
      response_format: { type: 'json_schema', json_schema: { name: 'format', schema: { type: 'object' }, strict: true } }
    })
    expect(samplingOf(undefined, undefined)).toEqual({})
    expect(modelIdOf('m:q4')).toBe('m:q4')
    expect(imageMimeOf('iVBORw0')).toBe('image/png')
    expect(imageMimeOf('R0lGODlh')).toBe('image/gif')
  })
})

describe('chat answer → Ollama lines', () => {
  const meta = (kind: 'chat' | 'generate'): AnswerMeta => {
    const now = fakeClock()
    return { kind, model: 'm', startNs: now(), now }
  }

  it('streams one line per token, tool calls whole, then the final line with counts and ns durations', async () => {
    const u = { promptTokens: 0, completionTokens: 0 }
    const lines: Record<string, any>[] = []
    for await (const l of answerLines(meta('chat'), from([chunk({ role: 'assistant', content: 'a' }), chunk({ content: 'b' }), chunk({ tool_calls: [{ index: 0, function: { name: 'f', arguments: '{"x":1}' } }] }, 'tool_calls'), chunk({}, null, usage)]), u)) {
      expect(l.endsWith('\n')).toBe(true)
      lines.push(JSON.parse(l))
    }
    expect(lines.map((l) => l.message.content)).toEqual(['a', 'b', '', ''])
    expect(lines[2]?.message.tool_calls).toEqual([{ function: { name: 'f', arguments: { x: 1 } } }])
    const last = lines.at(-1) ?? {}
    expect(last).toMatchObject({ done: true, done_reason: 'stop', prompt_eval_count: 9, eval_count: 2, load_duration: 0 })
    // first token at the 2nd clock reading, end at the 3rd: 1 ms each
    expect(last.prompt_eval_duration).toBe(1_000_000)
    expect(last.eval_duration).toBe(1_000_000)
    expect(last.total_duration).toBe(2_000_000)
  })

  it('generate lines carry `response`; an error mid-stream is one {"error"} line', async () => {
    const lines: string[] = []
    for await (const l of answerLines(meta('generate'), from([chunk({ content: 'x' })], new ChatPathError(502, { error: { message: 'broke', type: 'server_error', param: null, code: 'stream_failed' } }, {}, true)), { promptTokens: 0, completionTokens: 0 })) lines.push(l)
    expect(lines.map((l) => JSON.parse(l))).toEqual([expect.objectContaining({ response: 'x', done: false }), { error: 'broke' }])
  })

  it('the one object of stream:false', async () => {
    const c = await collectChat(from([chunk({ content: 'hello' }, 'length'), chunk({}, null, usage)]))
    expect(finalBody(meta('generate'), c, { promptTokens: 0, completionTokens: 0 })).toMatchObject({ model: 'm', response: 'hello', done: true, done_reason: 'length', eval_count: 2, prompt_eval_count: 9 })
  })
})

describe('Ollama model listings and errors', () => {
  const m: ClusterModel = { id: 'm', capabilities: { chat: true, completion: true, embeddings: true, tools: true, vision: false }, contextLength: 512, quantization: 'Q4_K_M', sizeBytes: 123, nodes: ['n1'], created: 1_700_000_000 }
  it('tags carry size, a sha256 digest and details; capabilities use Ollama names', () => {
    expect(tagOf(m)).toMatchObject({ name: 'm', size: 123, digest: expect.stringMatching(/^[0-9a-f]{64}$/), details: { format: 'gguf', quantization_level: 'Q4_K_M' }, modified_at: '2023-11-14T22:13:20.000Z' })
    expect(capabilitiesOf(m)).toEqual(['completion', 'tools', 'embedding'])
  })
  it('errors are a bare string with our status', () => {
    expect(ollamaErrorOf(404, { error: { message: "The model 'x' does not exist", type: 't', param: null, code: 'model_not_found' } })).toEqual({ status: 404, body: { error: "The model 'x' does not exist" } })
  })
})
