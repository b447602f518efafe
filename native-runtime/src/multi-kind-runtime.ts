/**
 * `MultiKindRuntime`: the agent's one runtime over two supervised child kinds (specs/vision.md). Models
 * without a projector run in the node-llama-cpp child; models that come with an `mmproj` file run in the
 * `@fugood/llama.node` child, started on the first such load. Each child is a `LlamaCppRuntime` supervisor
 * (same protocol, crash isolation, restarts, slots and cancel); this class only routes by model and merges
 * their model tables and events.
 */
import type { Logger } from 'pino'
import { resolveChildEntry, type ChildKind } from './child-entry.js'
import { ModelNotFoundError } from './errors.js'
import type { AbortOptions, EmbeddingResult, GenerationEvent, GenerationTask, InferenceRuntime, ModelSpec, ModelStatus, PromptInput } from './interfaces.js'
import { LlamaCppRuntime, type LlamaCppRuntimeComponents, type LlamaCppRuntimeInit } from './llama-cpp-runtime.js'

export interface MultiKindRuntimeInit extends LlamaCppRuntimeInit {
  /** Compiled entry of the multimodal child. @default resolveChildEntry(import.meta.url, 'multimodal') */
  multimodalChildEntry?: string
}

export class MultiKindRuntime extends EventTarget implements InferenceRuntime {
  private readonly kinds: Record<ChildKind, LlamaCppRuntime>
  private multimodalStart: Promise<void> | null = null

  constructor(components: LlamaCppRuntimeComponents, init: MultiKindRuntimeInit = {}) {
    super()
    const base: Logger = components.logger.bindings().component === undefined ? components.logger.child({ component: 'runtime' }) : components.logger
    const { multimodalChildEntry, ...common } = init
    this.kinds = {
      text: new LlamaCppRuntime({ logger: base }, common),
      multimodal: new LlamaCppRuntime(
        { logger: base.child({ childKind: 'multimodal' }) },
        // libmtmd prints a debug trace (prompt text included) on stderr: kept for crash reports, never logged
        { ...common, childEntry: multimodalChildEntry ?? resolveChildEntry(import.meta.url, 'multimodal'), childStderr: 'tail' }
      )
    }
    for (const [kind, rt] of Object.entries(this.kinds)) {
      rt.addEventListener('models:change', () => this.dispatchEvent(new CustomEvent('models:change', { detail: this.models() })))
      for (const type of ['runtime:crash', 'runtime:restart']) {
        rt.addEventListener(type, (e) => this.dispatchEvent(new CustomEvent(type, { detail: { ...(e as CustomEvent<object>).detail, kind } })))
      }
    }
  }

  start(): Promise<void> {
    return this.kinds.text.start()
  }

  async stop(): Promise<void> {
    await this.multimodalStart?.catch(() => undefined)
    await Promise.all([this.kinds.text.stop(), this.multimodalStart === null ? undefined : this.kinds.multimodal.stop()])
    this.multimodalStart = null
  }

  models(): ModelStatus[] {
    return [...this.kinds.text.models(), ...this.kinds.multimodal.models()]
  }

  /** True while the text child is up (the multimodal child's state shows in its models' states). */
  isUp(): boolean {
    return this.kinds.text.isUp()
  }

  restarts(): number {
    return this.kinds.text.restarts() + this.kinds.multimodal.restarts()
  }

  /** Pid of a kind's child (for tests and operators), or null while none runs. */
  childPid(kind: ChildKind = 'text'): number | null {
    return this.kinds[kind].childPid()
  }

  async load(spec: ModelSpec, options: AbortOptions = {}): Promise<ModelStatus> {
    const kind: ChildKind = spec.mmproj === undefined ? 'text' : 'multimodal'
    const other = this.kinds[kind === 'text' ? 'multimodal' : 'text']
    // an id moves between kinds when it is loaded again with (or without) a projector
    if (other.models().some((m) => m.id === spec.id)) await other.unload(spec.id, options)
    if (kind === 'multimodal') {
      this.multimodalStart ??= this.kinds.multimodal.start().catch((err: unknown) => {
        this.multimodalStart = null
        throw err
      })
      await this.multimodalStart
    }
    return this.kinds[kind].load(spec, options)
  }

  unload(id: string, options: AbortOptions = {}): Promise<void> {
    return this.owner(id).unload(id, options)
  }

  generate(task: GenerationTask, options: AbortOptions = {}): AsyncIterable<GenerationEvent> {
    return this.owner(task.model).generate(task, options)
  }

  embed(model: string, inputs: string[], options: AbortOptions = {}): Promise<EmbeddingResult> {
    return this.owner(model).embed(model, inputs, options)
  }

  countTokens(model: string, prompt: PromptInput, options: AbortOptions = {}): Promise<number> {
    return this.owner(model).countTokens(model, prompt, options)
  }

  private owner(id: string): LlamaCppRuntime {
    for (const rt of Object.values(this.kinds)) if (rt.models().some((m) => m.id === id)) return rt
    throw new ModelNotFoundError(id)
  }
}
