/**
 * One loaded model in the child: the llama.cpp model, its generation context with one sequence per slot,
 * a lazily created embedding context, and the generations running on it.
 */
import { stat } from 'node:fs/promises'
import type {
  Llama,
  LlamaContext,
  LlamaContextSequence,
  LlamaEmbeddingContext,
  LlamaModel,
  Token
} from 'node-llama-cpp'
import { DEFAULT_CONTEXT_SIZE, DEFAULT_SLOTS } from '../constants.js'
import { ContextOverflowError, ModelLoadError, RuntimeError } from '../errors.js'
import type { EmbeddingResult, ModelSpec, PromptInput } from '../interfaces.js'
import type { ModelInfo } from '../protocol.js'
import { capabilitiesOf, quantizationName } from './model-info.js'
import { PromptRenderer } from './prompt-renderer.js'
import { GrammarCache } from './constraints.js'
import { SlotPool } from './slot-pool.js'

export class ModelHost {
  /** Generations on this model (their controller and completion); aborted with a `RuntimeError` when the model goes away. */
  readonly running = new Map<AbortController, Promise<void>>()
  private embedding: Promise<LlamaEmbeddingContext> | null = null
  /** Grammars for structured outputs and forced tool calls on this model. */
  readonly grammars: GrammarCache

  private constructor(
    readonly id: string,
    readonly model: LlamaModel,
    private readonly context: LlamaContext | null,
    /** Free sequences; null for embedding-only models. */
    readonly pool: SlotPool<LlamaContextSequence> | null,
    readonly renderer: PromptRenderer,
    readonly info: ModelInfo,
    private readonly threads: number
  ) {
    this.grammars = new GrammarCache(model, renderer.callSyntax)
  }

  /** Loads a model; every failure that llama.cpp reports (instead of aborting) becomes a ModelLoadError. */
  static async load(llama: Llama, spec: ModelSpec, threads: number, mmap: boolean): Promise<ModelHost> {
    let sizeBytes: number
    try {
      sizeBytes = (await stat(spec.path)).size
    } catch (err) {
      throw new ModelLoadError(spec.id, `cannot read ${spec.path}: ${(err as Error).message}`, err)
    }
    let model: LlamaModel | undefined
    try {
      model = await llama.loadModel({ modelPath: spec.path, useMmap: mmap })
      const architecture = String(model.fileInfo.metadata?.general?.architecture ?? 'unknown')
      const renderer = new PromptRenderer(model)
      const capabilities = capabilitiesOf(architecture, renderer.template)
      const contextLength = model.trainContextSize || DEFAULT_CONTEXT_SIZE
      const requested = Math.min(spec.contextSize ?? DEFAULT_CONTEXT_SIZE, contextLength)
      const slots = spec.slots ?? DEFAULT_SLOTS
      // one context, one sequence per slot: node-llama-cpp batches the pending tokens of all sequences of a
      // context into one decode, which is continuous batching
      const context = capabilities.completion
        ? await model.createContext({ sequences: slots, contextSize: requested, threads })
        : null
      const sequences = context === null ? [] : Array.from({ length: slots }, () => context.getSequence())
      const info: ModelInfo = {
        contextLength,
        // llama.cpp may round the size up (to a multiple of 256, below the trained length); report the real one
        contextSize: context?.contextSize ?? requested,
        capabilities,
        hasChatTemplate: renderer.hasChatTemplate,
        sizeBytes,
        quantization: quantizationName(model.fileInfo.metadata?.general?.file_type),
        architecture,
        slotsTotal: sequences.length
      }
      const pool = context === null ? null : new SlotPool(sequences)
      return new ModelHost(spec.id, model, context, pool, renderer, info, threads)
    } catch (err) {
      await model?.dispose().catch(() => undefined)
      throw new ModelLoadError(spec.id, (err as Error).message ?? String(err), err)
    }
  }

  /** Tokens of the prompt as it would be evaluated. */
  countTokens(prompt: PromptInput): number {
    return this.renderer.render(prompt).tokens.length
  }

  /** Embeds each input in turn (the embedding context evaluates one input at a time). */
  async embed(inputs: readonly string[]): Promise<EmbeddingResult> {
    const context = await this.embeddingContext()
    const vectors: number[][] = []
    let promptTokens = 0
    for (const text of inputs) {
      const input = this.embeddingInput(text)
      const n = context.calculateInputLength(input)
      // node-llama-cpp refuses inputs of contextSize tokens or more (one cell stays free)
      if (n + 1 > this.info.contextSize) throw new ContextOverflowError(n, this.info.contextSize, 'input')
      vectors.push([...(await context.getEmbeddingFor(input)).vector])
      promptTokens += n
    }
    return { vectors, promptTokens }
  }

  /**
   * Aborts running generations with `reason`, fails waiters, and frees llama.cpp memory — after the
   * generations have stepped out of their current decode, so no evaluation runs on a disposed context.
   */
  async dispose(reason: RuntimeError): Promise<void> {
    for (const c of this.running.keys()) c.abort(reason)
    this.pool?.close(reason)
    await Promise.allSettled(this.running.values())
    const embedding = this.embedding
    this.embedding = null
    await (await embedding?.catch(() => null))?.dispose()
    await this.context?.dispose()
    await this.model.dispose()
  }

  private embeddingContext(): Promise<LlamaEmbeddingContext> {
    if (this.embedding === null) {
      this.embedding = this.model.createEmbeddingContext({ contextSize: this.info.contextSize, threads: this.threads })
      // a failed creation is retried on the next request instead of being cached
      this.embedding.catch(() => (this.embedding = null))
    }
    return this.embedding
  }

  /** An empty string tokenizes to nothing and node-llama-cpp returns an empty vector; embed BOS instead. */
  private embeddingInput(text: string): string | Token[] {
    const bos = this.model.tokens.bos
    return text.length === 0 && bos !== null ? [bos] : text
  }
}
