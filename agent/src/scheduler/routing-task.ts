/**
 * What routing needs from a request body: what it demands of the model (capabilities), how big it is
 * (expected output, prompt size), and its prompt-prefix hashes for affinity.
 */
import type { ModelCapabilities } from '../../../native-runtime/src/index.js'
import type { ChatCompletionRequest, CompletionRequest, EmbeddingRequest } from '../http/schemas/openai.js'
import { chatNeeds, toRuntimeMessages } from '../inference/chat-prompt.js'
import { prefixHashes } from './prefix-digest.js'
import { DEFAULT_EXPECTED_TOKENS, type RoutingTask } from './select.js'

/** Characters per token assumed when estimating prompt size before tokenizing. */
const CHARS_PER_TOKEN = 4

export interface RoutingInput extends RoutingTask {
  /** Capabilities the model must have, with the name used in error messages. */
  needs: { key: keyof ModelCapabilities; label: string }[]
  prefixHashes: string[]
}

export function routingInput(api: 'chat' | 'completion' | 'embeddings' | 'count_tokens', body: ChatCompletionRequest | CompletionRequest | EmbeddingRequest): RoutingInput {
  if (api === 'embeddings') {
    const b = body as EmbeddingRequest
    const chars = (Array.isArray(b.input) ? b.input : [b.input]).reduce((n, s) => n + s.length, 0)
    return { needs: [{ key: 'embeddings', label: 'embeddings' }], expectedTokens: 1, promptTokens: chars / CHARS_PER_TOKEN, prefixHashes: [] }
  }
  if (api === 'completion') {
    const b = body as CompletionRequest
    const text = Array.isArray(b.prompt) ? (b.prompt[0] ?? '') : b.prompt
    return {
      needs: [{ key: 'completion', label: 'text completion' }],
      expectedTokens: b.max_tokens ?? DEFAULT_EXPECTED_TOKENS,
      promptTokens: text.length / CHARS_PER_TOKEN,
      prefixHashes: prefixHashes([{ role: 'prompt', content: text }])
    }
  }
  const b = body as ChatCompletionRequest
  // counting tokens needs only the model (its tokenizer and template), and produces nothing
  if (api === 'count_tokens') return { needs: [{ key: 'chat', label: 'chat' }], expectedTokens: 1, promptTokens: 1, prefixHashes: [] }
  const n = chatNeeds(b)
  const needs: RoutingInput['needs'] = [{ key: 'chat', label: 'chat' }]
  if (n.vision) needs.push({ key: 'vision', label: 'image inputs (vision)' })
  if (n.tools) needs.push({ key: 'tools', label: 'tools' })
  const messages = toRuntimeMessages(b)
  return {
    needs,
    expectedTokens: b.max_completion_tokens ?? b.max_tokens ?? DEFAULT_EXPECTED_TOKENS,
    promptTokens: messages.reduce((s, m) => s + m.content.length, 0) / CHARS_PER_TOKEN,
    prefixHashes: prefixHashes(messages)
  }
}
