/**
 * Turns a `PromptInput` into the tokens a model evaluates: text prompts as they are, chat prompts through
 * the model's own chat template when its GGUF has one, otherwise through the fallback template.
 */
import {
  type ChatHistoryItem,
  type ChatWrapper,
  type LlamaModel,
  type LlamaText,
  resolveChatWrapper,
  SpecialTokensText,
  type Token
} from 'node-llama-cpp'
import type { ChatMessage, PromptInput } from '../interfaces.js'
import { FALLBACK_CHAT_STOPS, renderFallbackChat } from './fallback-chat-template.js'

/** A prompt ready to evaluate. */
export interface RenderedPrompt {
  tokens: Token[]
  /** Stop strings the template implies (end-of-turn markers written as text), added to the request's own. */
  stops: readonly string[]
  /** The request parameter a context overflow is blamed on. */
  param: 'prompt' | 'messages'
}

export class PromptRenderer {
  /** True when the GGUF carries a chat template (rendered with node-llama-cpp's matching chat wrapper). */
  readonly hasChatTemplate: boolean
  /** The raw template, for capability detection. */
  readonly template: string
  private readonly wrapper: ChatWrapper | null

  constructor(private readonly model: LlamaModel) {
    const template = model.fileInfo.metadata?.tokenizer?.chat_template
    this.template = typeof template === 'string' ? template : ''
    this.hasChatTemplate = this.template.length > 0
    // resolveChatWrapper picks a specialised wrapper when the Jinja template is equivalent to one, else
    // a JinjaTemplateChatWrapper running the template itself
    this.wrapper = this.hasChatTemplate ? resolveChatWrapper(model, { warningLogs: false }) : null
  }

  render(prompt: PromptInput): RenderedPrompt {
    if (prompt.kind === 'text') return { tokens: this.plain(prompt.text), stops: [], param: 'prompt' }
    if (this.wrapper === null) {
      return { tokens: this.plain(renderFallbackChat(prompt.messages)), stops: FALLBACK_CHAT_STOPS, param: 'messages' }
    }
    const state = this.wrapper.generateContextState({ chatHistory: toHistory(prompt.messages) })
    return {
      tokens: state.contextText.tokenize(this.model.tokenizer),
      stops: state.stopGenerationTriggers.flatMap(textStop),
      param: 'messages'
    }
  }

  /** Text as the model sees it: BOS when the model wants one, and no special-token parsing of user text. */
  private plain(text: string): Token[] {
    const tokens = this.model.tokenize(text, false)
    const bos = this.model.tokens.bos
    return this.model.tokens.shouldPrependBosToken && bos !== null ? [bos, ...tokens] : tokens
  }
}

/**
 * Maps messages to node-llama-cpp's chat history. `developer` is a system message; `tool` results become
 * user turns (the history format has no tool role outside its own function calling). Unless the last
 * message is the assistant's (a prefill to continue), an empty model turn asks for the reply.
 */
function toHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = messages.map((m): ChatHistoryItem => {
    if (m.role === 'system' || m.role === 'developer') return { type: 'system', text: m.content }
    if (m.role === 'assistant') return { type: 'model', response: [m.content] }
    return { type: 'user', text: m.content }
  })
  if (messages[messages.length - 1]?.role !== 'assistant') history.push({ type: 'model', response: [] })
  return history
}

/** A stop trigger made only of text (not special tokens, which end generation as EOG tokens anyway). */
function textStop(trigger: LlamaText): string[] {
  let text = ''
  for (const v of trigger.values) {
    if (typeof v === 'string') text += v
    else if (v instanceof SpecialTokensText) text += v.value
    else return []
  }
  return text.length > 0 ? [text] : []
}
