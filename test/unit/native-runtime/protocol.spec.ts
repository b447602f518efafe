import { describe, expect, it } from 'vitest'
import {
  childInitSchema,
  childMessageSchema,
  InboundParser,
  MAX_STOP_STRINGS,
  parentMessageSchema,
  resultSchemas
} from '../../../native-runtime/src/protocol.js'

const chat = { kind: 'chat', messages: [{ role: 'user', content: 'hi' }] }

describe('parent -> child messages', () => {
  it.each([
    { type: 'load', id: 1, spec: { id: 'm', path: '/m.gguf', slots: 4, contextSize: 512 } },
    { type: 'unload', id: 2, model: 'm' },
    { type: 'generate', id: 3, model: 'm', prompt: chat, params: { maxTokens: 8, stop: ['\n'], seed: 1 } },
    { type: 'generate', id: 4, model: 'm', prompt: { kind: 'text', text: '' }, params: {} },
    { type: 'cancel', id: 3 },
    { type: 'embed', id: 5, model: 'm', inputs: ['a', ''] },
    { type: 'countTokens', id: 6, model: 'm', prompt: chat },
    { type: 'shutdown', id: 7 }
  ])('accepts $type', (message) => {
    expect(parentMessageSchema.safeParse(message).success).toBe(true)
  })

  it.each([
    ['an unknown type', { type: 'explode', id: 1 }],
    ['a missing id', { type: 'shutdown' }],
    ['a negative id', { type: 'cancel', id: -1 }],
    ['an unknown role', { type: 'countTokens', id: 1, model: 'm', prompt: { kind: 'chat', messages: [{ role: 'bot', content: 'x' }] } }],
    ['no chat messages', { type: 'countTokens', id: 1, model: 'm', prompt: { kind: 'chat', messages: [] } }],
    ['zero maxTokens', { type: 'generate', id: 1, model: 'm', prompt: chat, params: { maxTokens: 0 } }],
    ['a penalty out of range', { type: 'generate', id: 1, model: 'm', prompt: chat, params: { presencePenalty: 3 } }],
    ['too many stop strings', { type: 'generate', id: 1, model: 'm', prompt: chat, params: { stop: Array(MAX_STOP_STRINGS + 1).fill('x') } }],
    ['no embedding inputs', { type: 'embed', id: 1, model: 'm', inputs: [] }],
    ['zero slots', { type: 'load', id: 1, spec: { id: 'm', path: '/m', slots: 0 } }],
    ['an empty model id', { type: 'unload', id: 1, model: '' }],
    ['not an object', 'load']
  ])('rejects %s', (_, message) => {
    expect(parentMessageSchema.safeParse(message).success).toBe(false)
  })
})

describe('child -> parent messages', () => {
  it.each([
    { type: 'ready', protocol: 1, pid: 10, gpu: false, threads: 1 },
    { type: 'ready', protocol: 1, pid: 10, gpu: 'cuda', threads: 4 },
    { type: 'fatal', error: { code: 'runtime_unavailable', message: 'no binary', param: null } },
    { type: 'result', id: 1, result: null },
    { type: 'error', id: 1, error: { code: 'model_not_found', message: 'x', param: 'model' } },
    { type: 'generation', id: 1, event: { type: 'start', promptTokens: 3 } },
    { type: 'generation', id: 1, event: { type: 'text', text: 'hé', tokens: 2 } },
    {
      type: 'generation',
      id: 1,
      event: { type: 'end', finishReason: 'length', promptTokens: 3, completionTokens: 4, durationMs: 5, decodeMs: 4, decodeTokens: 3 }
    },
    { type: 'generation', id: 1, event: { type: 'error', error: { code: 'x', message: 'y', param: null } } },
    { type: 'model', model: 'm', state: 'failed', error: 'bad' },
    { type: 'log', level: 'warn', msg: 'llama.cpp says' }
  ])('accepts $type', (message) => {
    expect(childMessageSchema.safeParse(message).success).toBe(true)
  })

  it.each([
    ['an unknown finish reason', { type: 'generation', id: 1, event: { type: 'end', finishReason: 'eos', promptTokens: 1, completionTokens: 1, durationMs: 1, decodeMs: 0, decodeTokens: 0 } }],
    ['a fractional token count', { type: 'generation', id: 1, event: { type: 'text', text: 'a', tokens: 1.5 } }],
    ['an error without code', { type: 'error', id: 1, error: { message: 'x', param: null } }],
    ['an unknown log level', { type: 'log', level: 'trace', msg: 'x' }],
    ['an unknown model state', { type: 'model', model: 'm', state: 'exploded' }]
  ])('rejects %s', (_, message) => {
    expect(childMessageSchema.safeParse(message).success).toBe(false)
  })

  it('validates results per request type', () => {
    expect(resultSchemas.countTokens.safeParse({ tokens: 3 }).success).toBe(true)
    expect(resultSchemas.countTokens.safeParse({ tokens: -1 }).success).toBe(false)
    expect(resultSchemas.embed.safeParse({ vectors: [[0.1, 0.2]], promptTokens: 2 }).success).toBe(true)
    expect(resultSchemas.embed.safeParse({ vectors: [['a']], promptTokens: 2 }).success).toBe(false)
    expect(resultSchemas.load.safeParse({ contextSize: 512 }).success).toBe(false)
  })
})

describe('child init', () => {
  it('accepts the GPU choices and rejects others', () => {
    const base = { threads: 1, logLevel: 'warn', parentPid: 1 }
    for (const gpu of [false, 'auto', 'cuda', 'vulkan', 'metal']) expect(childInitSchema.safeParse({ ...base, gpu }).success).toBe(true)
    expect(childInitSchema.safeParse({ ...base, gpu: true }).success).toBe(false)
    expect(childInitSchema.safeParse({ ...base, gpu: 'auto', threads: 0 }).success).toBe(false)
  })
})

describe('InboundParser', () => {
  it('returns valid messages, drops invalid ones without throwing, and counts them', () => {
    const issues: string[] = []
    const parser = new InboundParser(parentMessageSchema, (issue) => issues.push(issue))
    expect(parser.parse({ type: 'cancel', id: 4 })).toEqual({ type: 'cancel', id: 4 })
    expect(parser.parse({ type: 'cancel' })).toBeUndefined()
    expect(parser.parse(null)).toBeUndefined()
    expect(parser.parse({ type: 'nope', id: 1 })).toBeUndefined()
    expect(parser.invalid).toBe(3)
    expect(issues).toHaveLength(3)
  })

  it('strips unknown fields from valid messages', () => {
    const parser = new InboundParser(parentMessageSchema)
    expect(parser.parse({ type: 'shutdown', id: 1, extra: true })).toEqual({ type: 'shutdown', id: 1 })
  })
})
