/**
 * Turns a `PromptInput` into the tokens a model evaluates: text prompts as they are, chat prompts through
 * the model's own chat template when its GGUF has one, otherwise through the fallback template.
 */
import {
  type ChatWrapper,
  LlamaText,
  type LlamaModel,
  resolveChatWrapper,
  SpecialTokensText,
  type Token
} from 'node-llama-cpp'
import type { ChatMessage, PromptInput } from '../interfaces.js'
import type { CallSyntax } from '../tools/gbnf.js'
import { toolCallFamilyOf, type ToolCallFamily } from '../tools/tool-call-parser.js'
import { toChatFunctions, toChatHistory } from './chat-history.js'
import { FALLBACK_CHAT_STOPS, renderFallbackChat } from './fallback-chat-template.js'

/** A prompt ready to evaluate. */
export interface RenderedPrompt {
  tokens: Token[]
  /** Stop strings the template implies (end-of-turn markers written as text), added to the request's own. */
  stops: readonly string[]
  /** The request parameter a context overflow is blamed on. */
  param: 'prompt' | 'messages'
  /** The prompt ends inside an opened thinking segment (`<think>`): the output starts with reasoning. */
  opensThinking: boolean
}

/** Hermes-style calls: the syntax for models whose wrapper has none (and for the fallback template). */
const HERMES_SYNTAX: CallSyntax = { prefix: '<tool_call>\n{"name": "', paramsPrefix: '", "arguments": ', suffix: '}\n</tool_call>', sectionPrefix: '', betweenCalls: '\n' }

export class PromptRenderer {
  /** True when the GGUF carries a chat template (rendered with node-llama-cpp's matching chat wrapper). */
  readonly hasChatTemplate: boolean
  /** The raw template, for capability detection. */
  readonly template: string
  private readonly wrapper: ChatWrapper | null
  /** How this model writes a tool call (from its chat wrapper's function settings). */
  readonly callSyntax: CallSyntax
  /** Which tool-call parser reads this model's output. */
  readonly toolFamily: ToolCallFamily

  constructor(private readonly model: LlamaModel) {
    const template = model.fileInfo.metadata?.tokenizer?.chat_template
    this.template = typeof template === 'string' ? template : ''
    this.hasChatTemplate = this.template.length > 0
    // resolveChatWrapper picks a specialised wrapper when the Jinja template is equivalent to one, else
    // a JinjaTemplateChatWrapper running the template itself
    this.wrapper = this.hasChatTemplate ? resolveChatWrapper(model, { warningLogs: false }) : null
    this.callSyntax = this.wrapper === null ? HERMES_SYNTAX : syntaxOf(this.wrapper)
    this.toolFamily = toolCallFamilyOf(this.callSyntax.prefix, this.template)
  }

  render(prompt: PromptInput): RenderedPrompt {
    if (prompt.kind === 'text') return { tokens: this.plain(prompt.text), stops: [], param: 'prompt', opensThinking: false }
    if (this.wrapper === null) {
      return { tokens: this.plain(renderFallbackChat(prompt.messages)), stops: FALLBACK_CHAT_STOPS, param: 'messages', opensThinking: prefillThinks(prompt.messages) }
    }
    const tools = prompt.tools ?? []
    const state = this.wrapper.generateContextState({
      chatHistory: toChatHistory(prompt.messages),
      ...(tools.length > 0 ? { availableFunctions: toChatFunctions(tools) } : {})
    })
    return {
      tokens: state.contextText.tokenize(this.model.tokenizer),
      stops: state.stopGenerationTriggers.flatMap(textStop),
      param: 'messages',
      opensThinking: /<think>\s*$/.test(state.contextText.toString()) || prefillThinks(prompt.messages)
    }
  }

  /** Text as the model sees it: BOS when the model wants one, and no special-token parsing of user text. */
  private plain(text: string): Token[] {
    const tokens = this.model.tokenize(text, false)
    const bos = this.model.tokens.bos
    return this.model.tokens.shouldPrependBosToken && bos !== null ? [bos, ...tokens] : tokens
  }
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

/** A final assistant message (a prefill the model continues) that opened a thinking segment and did not close it. */
function prefillThinks(messages: readonly ChatMessage[]): boolean {
  const last = messages[messages.length - 1]
  return last?.role === 'assistant' && last.content.lastIndexOf('<think>') > last.content.lastIndexOf('</think>')
}

/** The call syntax in a chat wrapper's function settings, as plain text. */
function syntaxOf(wrapper: ChatWrapper): CallSyntax {
  const f = wrapper.settings.functions
  const text = (v: unknown): string => (v === undefined || v === null ? '' : LlamaText(v as string).toString())
  const syntax = {
    prefix: text(f.call.prefix),
    paramsPrefix: text(f.call.paramsPrefix),
    suffix: text(f.call.suffix),
    sectionPrefix: text(f.parallelism?.call.sectionPrefix),
    betweenCalls: text(f.parallelism?.call.betweenCalls)
  }
  return syntax.prefix === '' ? HERMES_SYNTAX : syntax
}
