/**
 * Reads a generation's decoded text into events: the thinking segment as `reasoning` text, tool calls
 * as `toolCall` events, the rest as answer text. Token counts and log-probabilities of text held back
 * (a possible marker) travel with the next text that goes out.
 */
import type { GenerationEvent, TokenLogprob } from '../interfaces.js'
import type { CallSyntax } from '../tools/gbnf.js'
import { ReasoningSplitter } from '../tools/reasoning-splitter.js'
import { type ToolCallFamily, ToolCallParser } from '../tools/tool-call-parser.js'

/** The events this pipeline produces. */
export type OutputEvent = Extract<GenerationEvent, { type: 'text' | 'toolCall' }>

export interface OutputOptions {
  /** Split `<think>…</think>` off; `startInside` when the prompt opened it. */
  reasoning: { startInside: boolean } | null
  /** Parse tool calls in this family's format. */
  tools: { family: ToolCallFamily; syntax: CallSyntax } | null
}

export class OutputPipeline {
  private readonly splitter: ReasoningSplitter | null
  private readonly parser: ToolCallParser | null
  private tokens = 0
  private logprobs: TokenLogprob[] = []
  /** Tool calls emitted so far. */
  calls = 0

  constructor(
    private readonly emit: (event: OutputEvent) => void,
    options: OutputOptions,
    /** True when the request asked for logprobs (text events then always carry the array). */
    private readonly withLogprobs = false
  ) {
    this.splitter = options.reasoning === null ? null : new ReasoningSplitter(options.reasoning.startInside)
    this.parser = options.tools === null ? null : new ToolCallParser(options.tools.family, options.tools.syntax)
  }

  push(text: string, tokens: number, logprobs?: readonly TokenLogprob[]): void {
    this.tokens += tokens
    if (logprobs) this.logprobs.push(...logprobs)
    if (text === '') return
    this.route(this.splitter === null ? [{ type: 'text', text }] : this.splitter.push(text))
  }

  /** End of output: releases everything held back. */
  finish(): void {
    if (this.splitter !== null) this.route(this.splitter.flush())
    if (this.parser !== null) this.answer(this.parser.flush())
    if (this.logprobs.length > 0) this.text('', undefined)
  }

  private route(segments: { type: 'text' | 'reasoning'; text: string }[]): void {
    for (const s of segments) {
      if (s.type === 'reasoning') this.text(s.text, 'reasoning')
      else if (this.parser === null) this.text(s.text, undefined)
      else this.answer(this.parser.push(s.text))
    }
  }

  private answer(segments: ReturnType<ToolCallParser['push']>): void {
    for (const s of segments) {
      if (s.type === 'text') this.text(s.text, undefined)
      else {
        this.calls++
        this.emit({ type: 'toolCall', name: s.call.name, arguments: s.call.arguments })
      }
    }
  }

  private text(text: string, channel: 'reasoning' | undefined): void {
    const event: OutputEvent & { type: 'text' } = { type: 'text', text, tokens: this.tokens, ...(channel ? { channel } : {}) }
    if (this.withLogprobs) event.logprobs = this.logprobs
    this.tokens = 0
    this.logprobs = []
    this.emit(event)
  }
}
