/**
 * One generation in the multimodal child: render (images validated), check the context, queue the
 * completion on a free sequence of the binding's parallel mode, stream its text through the same stop-string
 * filter as the text runtime, and end with the same `end` event.
 */
import { DEFAULT_TEMPERATURE } from '../constants.js'
import { CapabilityError, RuntimeError } from '../errors.js'
import type { GenerateRequest, WireGenerationEvent } from '../protocol.js'
import { StopStringFilter } from '../text-stream.js'
import type { MtmdCompletionOptions } from './binding.js'
import type { MtmdHost } from './mtmd-host.js'

/**
 * Runs a generation, sending its events through `emit`. Resolves after `end`, or silently when `signal`
 * aborts with a non-error reason (a cancel). Throws a RuntimeError when the request is refused or `signal`
 * aborts with one (the model was unloaded); the caller reports it.
 */
export async function runMtmdGeneration(host: MtmdHost, request: GenerateRequest, emit: (event: WireGenerationEvent) => void, signal: AbortSignal): Promise<void> {
  const startedAt = performance.now()
  const params = request.params
  if (params.tools !== undefined) throw new CapabilityError(request.model, 'tools')
  if (params.logprobs !== undefined) throw new CapabilityError(request.model, 'logprobs')
  const prompt = await host.render(request.prompt)
  const stillWanted = (): boolean => {
    if (!signal.aborted) return true
    if (signal.reason instanceof RuntimeError) throw signal.reason
    return false
  }
  try {
    if (!stillWanted()) return
    host.checkFits(prompt.tokens, request.prompt.kind === 'chat' ? 'messages' : 'prompt')
    const room = host.info.contextSize - prompt.tokens
    const options: MtmdCompletionOptions = {
      prompt: prompt.text,
      ...(prompt.mediaPaths.length > 0 ? { media_paths: prompt.mediaPaths } : {}),
      n_predict: Math.min(params.maxTokens ?? room, room),
      temperature: params.temperature ?? DEFAULT_TEMPERATURE,
      ...(params.topP === undefined ? {} : { top_p: params.topP }),
      ...(params.seed === undefined ? {} : { seed: params.seed }),
      ...(params.stop === undefined ? {} : { stop: params.stop }),
      ...(params.presencePenalty === undefined ? {} : { penalty_present: params.presencePenalty }),
      ...(params.frequencyPenalty === undefined ? {} : { penalty_freq: params.frequencyPenalty }),
      // as on the text child: a schema-constrained answer ends when its structure is complete
      ...(params.ignoreEos === undefined || params.jsonSchema !== undefined ? {} : { ignore_eos: params.ignoreEos }),
      ...(params.jsonSchema === undefined ? {} : { response_format: { type: 'json_schema' as const, json_schema: { schema: params.jsonSchema } } })
    }
    emit({ type: 'start', promptTokens: prompt.tokens })
    // llama.cpp stops on the stop strings; the filter keeps a stop string's first characters out of the stream
    const filter = new StopStringFilter(params.stop ?? [])
    let stopped = false
    let sampled = 0
    let firstAt = 0
    let lastAt = 0
    const queued = await host.ctx.parallel.completion(options, (_id, data) => {
      if (signal.aborted || stopped) return
      lastAt = performance.now()
      if (sampled++ === 0) firstAt = lastAt
      const piece = filter.push(data.token, 1)
      if (piece.text.length > 0) emit({ type: 'text', text: piece.text, tokens: piece.tokens })
      stopped = piece.stopped
    })
    const onAbort = (): void => queued.stop()
    if (signal.aborted) onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    let result
    try {
      result = await queued.promise
    } catch (err) {
      if (!stillWanted()) return
      throw err
    } finally {
      signal.removeEventListener('abort', onAbort)
    }
    if (!stillWanted()) return
    const rest = filter.flush()
    if (!stopped && rest.text.length > 0) emit({ type: 'text', text: rest.text, tokens: rest.tokens })
    const completionTokens = result.tokens_predicted
    emit({
      type: 'end',
      finishReason: result.stopped_limit || result.context_full ? 'length' : 'stop',
      promptTokens: prompt.tokens,
      completionTokens,
      durationMs: performance.now() - startedAt,
      decodeMs: sampled > 1 ? lastAt - firstAt : 0,
      decodeTokens: Math.max(0, sampled - 1)
    })
  } finally {
    await prompt.release()
  }
}
