/**
 * One generation on one sequence: render, check the context, evaluate token by token, stream text, stop.
 */
import { type LlamaContextSequence, LlamaGrammarEvaluationState, type SequenceEvaluateOptions, type Token } from 'node-llama-cpp'
import { DEFAULT_TEMPERATURE, PENALTY_WINDOW_TOKENS } from '../constants.js'
import { CapabilityError, ContextOverflowError, RuntimeError } from '../errors.js'
import type { FinishReason, GenerateParams, TokenLogprob } from '../interfaces.js'
import type { GenerateRequest, WireGenerationEvent } from '../protocol.js'
import { StopStringFilter, Utf8TokenDecoder } from '../text-stream.js'
import type { ModelHost } from './model-host.js'
import { endTokenAction } from './end-token.js'
import { tokenLogprob } from './logprobs.js'
import { OutputPipeline } from './output-pipeline.js'

/**
 * Runs a generation, sending its events through `emit`. Resolves after `end`, or silently when `signal`
 * aborts with a non-error reason (a cancel: the parent has already let go). Throws a RuntimeError when
 * the request is refused or `signal` aborts with one (the model was unloaded); the caller reports it.
 */
export async function runGeneration(
  host: ModelHost,
  request: GenerateRequest,
  emit: (event: WireGenerationEvent) => void,
  signal: AbortSignal
): Promise<void> {
  const startedAt = performance.now()
  if (host.pool === null) throw new CapabilityError(request.model, request.prompt.kind === 'chat' ? 'chat' : 'completions')
  const prompt = host.renderer.render(request.prompt)
  const contextSize = host.info.contextSize
  const promptTokens = prompt.tokens.length
  if (promptTokens + 1 > contextSize) throw new ContextOverflowError(promptTokens, contextSize, prompt.param)
  // the k-th generated token is sampled after promptTokens + k - 1 tokens are in the sequence, and the
  // sequence holds contextSize - 1 tokens without a context shift: so at most contextSize - promptTokens
  const room = contextSize - promptTokens
  const maxTokens = Math.min(request.params.maxTokens ?? room, room)
  const grammar = await host.grammars.for(request.params)

  // the free slot whose KV cache already holds the longest prefix of this prompt (a conversation's
  // earlier turns): those tokens are not evaluated again
  const sequence = await host.pool.acquire(signal, (s) => s.compareContextTokens(prompt.tokens).firstDifferentIndex).catch((err: unknown) => {
    throw signal.reason instanceof RuntimeError ? signal.reason : err
  })
  let keepHistory = false
  try {
    const cachedTokens = await reusePrefix(sequence, prompt.tokens)
    emit({ type: 'start', promptTokens })
    const generated: Token[] = []
    const decoder = new Utf8TokenDecoder(
      (t, last) => host.model.detokenize(t as readonly Token[], false, last as readonly Token[]),
      prompt.tokens
    )
    const filter = new StopStringFilter([...(request.params.stop ?? []), ...prompt.stops])
    const params = request.params
    const toolsWanted = params.tools !== undefined && request.prompt.kind === 'chat'
    const thinking = request.prompt.kind === 'chat' && (prompt.opensThinking || host.renderer.template.includes('<think>'))
    const output = new OutputPipeline(
      emit,
      {
        reasoning: thinking ? { startInside: prompt.opensThinking } : null,
        tools: toolsWanted ? { family: host.renderer.toolFamily, syntax: host.renderer.callSyntax } : null
      },
      params.logprobs !== undefined
    )
    // logprobs of the tokens decoded so far, handed on with the text they produced
    const pendingLogprobs: TokenLogprob[] = []
    const text = (t: string, tokens: number): void => output.push(t, tokens, pendingLogprobs.splice(0))
    const topK = params.logprobs ?? 0
    const metadata = params.logprobs === undefined ? {} : topK > 0 ? { confidence: true, probabilities: true } : { confidence: true }
    const options = samplingOptions(params, generated)
    if (grammar !== null) options.grammarEvaluationState = new LlamaGrammarEvaluationState({ model: host.model, grammar })
    const tokenText = (t: Token): string => host.model.detokenize([t], true)
    let finishReason: FinishReason = 'stop'
    let stopped = false
    let sampled = 0
    let skippedEnds = 0
    let firstAt = 0
    let lastAt = 0
    for await (const step of sequence.evaluateWithMetadata(prompt.tokens.slice(cachedTokens), metadata, options)) {
      if (signal.aborted) break
      const token = step.token
      lastAt = performance.now()
      if (sampled++ === 0) firstAt = lastAt
      if (host.model.isEogToken(token)) {
        const action = endTokenAction({ ignoreEos: request.params.ignoreEos === true, constrained: grammar !== null, skipped: skippedEnds, sampled, maxTokens, room })
        if (action === 'skip') {
          skippedEnds++
          continue
        }
        if (action === 'length') finishReason = 'length'
        break
      }
      generated.push(token)
      if ('confidence' in step) {
        const probabilities = 'probabilities' in step ? (step.probabilities as Map<number, number>) : undefined
        pendingLogprobs.push(tokenLogprob(token, step.confidence as number, probabilities, topK, tokenText))
      }
      const piece = decoder.push(token)
      const out = filter.push(piece.text, piece.tokens)
      text(out.text, out.tokens)
      if (out.stopped) {
        stopped = true
        break
      }
      // skipped end tokens hold places in the context too: the answer also ends when the room is full
      if (generated.length >= maxTokens || sampled >= room) {
        finishReason = 'length'
        break
      }
    }
    if (signal.aborted) {
      if (signal.reason instanceof RuntimeError) throw signal.reason
      return
    }
    if (!stopped) {
      const last = decoder.flush()
      const out = filter.push(last.text, last.tokens)
      text(out.text, out.tokens)
      if (out.stopped) finishReason = 'stop'
      else {
        const rest = filter.flush()
        text(rest.text, rest.tokens)
      }
    }
    output.finish()
    if (output.calls > 0 && finishReason === 'stop') finishReason = 'tool_calls'
    keepHistory = true
    emit({
      type: 'end',
      finishReason,
      promptTokens,
      cachedTokens,
      completionTokens: generated.length,
      durationMs: performance.now() - startedAt,
      decodeMs: lastAt - firstAt,
      decodeTokens: Math.max(0, sampled - 1)
    })
  } finally {
    // a completed generation leaves prompt + answer in the slot for the next turn to reuse; anything
    // else (cancel, error) may have left it half-evaluated, so it starts empty
    if (!keepHistory) await sequence.clearHistory().catch(() => undefined)
    host.pool.release(sequence)
  }
}

/**
 * Erases what the slot holds beyond the prompt's common prefix and returns how many prompt tokens are
 * already evaluated. At least the last prompt token is always evaluated again: sampling needs its logits.
 */
async function reusePrefix(sequence: LlamaContextSequence, tokens: Token[]): Promise<number> {
  const common = Math.min(sequence.compareContextTokens(tokens).firstDifferentIndex, tokens.length - 1)
  if (common <= 0) {
    if (sequence.nextTokenIndex > 0) await sequence.clearHistory()
    return 0
  }
  if (common < sequence.nextTokenIndex) await sequence.eraseContextTokenRanges([{ start: common, end: sequence.nextTokenIndex }])
  return common
}

/** Maps the request's sampling parameters to node-llama-cpp's evaluate options. */
function samplingOptions(params: GenerateParams, generated: Token[]): SequenceEvaluateOptions {
  const presencePenalty = params.presencePenalty ?? 0
  const frequencyPenalty = params.frequencyPenalty ?? 0
  return {
    temperature: params.temperature ?? DEFAULT_TEMPERATURE,
    ...(params.topP === undefined ? {} : { topP: params.topP }),
    ...(params.seed === undefined ? {} : { seed: params.seed }),
    // EOG tokens are yielded so the loop sees them and reports `stop` (and never counts them)
    yieldEogToken: true,
    ...(presencePenalty === 0 && frequencyPenalty === 0
      ? {}
      : {
          repeatPenalty: {
            punishTokens: () => generated.slice(-PENALTY_WINDOW_TOKENS),
            maxPunishTokens: PENALTY_WINDOW_TOKENS,
            // node-llama-cpp applies a 1.1 multiplicative repeat penalty by default; OpenAI has none
            penalty: 1,
            presencePenalty,
            frequencyPenalty
          }
        })
  }
}
