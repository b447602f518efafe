/**
 * One model in the multimodal child: the text model and its projector loaded through the binding, in
 * parallel mode with one sequence per slot. It renders prompts (images written to files and validated by
 * tokenizing them, because an undecodable image inside a running completion aborts the whole process)
 * and reports the model's static info.
 */
import { stat } from 'node:fs/promises'
import { GGMLFileQuantizationType } from '@huggingface/gguf'
import { DEFAULT_CONTEXT_SIZE, DEFAULT_SLOTS } from '../constants.js'
import { ContextOverflowError, InvalidImageError, ModelLoadError, type RuntimeError } from '../errors.js'
import type { ChatImage, ModelInfo, LoadRequest } from '../protocol.js'
import type { PromptInput } from '../interfaces.js'
import type { MtmdContext, MtmdModule, MtmdVariant } from './binding.js'
import { bindingRole, partsOf, type BindingMessage } from './chat-parts.js'
import type { MediaFolder } from './media-files.js'

/** A rendered prompt: text with media markers, the image files, its token count, and its cleanup. */
export interface RenderedPrompt {
  text: string
  mediaPaths: string[]
  tokens: number
  release: () => Promise<void>
}

export class MtmdHost {
  /** Running generations (kept by the request handler), so an unload ends them first. */
  readonly running = new Map<AbortController, Promise<void>>()

  private constructor(
    readonly id: string,
    readonly ctx: MtmdContext,
    readonly info: ModelInfo,
    private readonly media: MediaFolder
  ) {}

  /** Loads `spec` with its projector; `variant` is the binding build (GPU offload when it is not `default`). */
  static async load(binding: MtmdModule, spec: LoadRequest['spec'], threads: number, variant: MtmdVariant, media: MediaFolder, mmap: boolean): Promise<MtmdHost> {
    const gpu = variant !== 'default'
    if (spec.mmproj === undefined) throw new ModelLoadError(spec.id, 'the multimodal runtime needs a projector (mmproj) file')
    const slots = spec.slots ?? DEFAULT_SLOTS
    const sizeBytes = (await stat(spec.path)).size
    let ctx: MtmdContext
    try {
      ctx = await binding.loadModel({
        model: spec.path,
        n_ctx: (spec.contextSize ?? DEFAULT_CONTEXT_SIZE) * slots,
        n_threads: threads,
        n_gpu_layers: gpu ? 999 : 0,
        n_parallel: slots,
        use_mmap: mmap,
        lib_variant: variant
      })
    } catch (err) {
      throw new ModelLoadError(spec.id, (err as Error).message, err)
    }
    try {
      const meta = ctx.getModelInfo()
      const arch = meta.metadata['general.architecture'] ?? 'unknown'
      const trained = Number(meta.metadata[`${arch}.context_length`] ?? 0) || DEFAULT_CONTEXT_SIZE
      const contextSize = Math.min(spec.contextSize ?? DEFAULT_CONTEXT_SIZE, trained)
      if (!ctx.initMultimodal({ path: spec.mmproj, use_gpu: gpu })) throw new Error(`the projector ${spec.mmproj} did not load`)
      if (!ctx.getMultimodalSupport().vision) throw new Error(`the projector ${spec.mmproj} has no vision encoder`)
      if (!(await ctx.parallel.enable({ n_parallel: slots }))) throw new Error('parallel decoding could not be enabled')
      const info: ModelInfo = {
        contextLength: trained,
        contextSize,
        // tools, embeddings and logprobs stay on the text runtime (see specs/vision.md)
        capabilities: { chat: true, completion: true, embeddings: false, tools: false, vision: true },
        hasChatTemplate: meta.chatTemplates.llamaChat || meta.chatTemplates.jinja.default,
        sizeBytes,
        quantization: quantizationOf(meta.metadata['general.file_type']),
        architecture: arch,
        slotsTotal: slots
      }
      return new MtmdHost(spec.id, ctx, info, media)
    } catch (err) {
      await ctx.release().catch(() => undefined)
      throw new ModelLoadError(spec.id, (err as Error).message, err)
    }
  }

  /** Renders and tokenizes a prompt; throws InvalidImageError for an image libmtmd cannot decode. */
  async render(prompt: PromptInput): Promise<RenderedPrompt> {
    if (prompt.kind === 'text') {
      const t = await this.ctx.tokenize(prompt.text)
      return { text: prompt.text, mediaPaths: [], tokens: t.tokens.length, release: async () => undefined }
    }
    const images: ChatImage[] = prompt.messages.flatMap((m) => m.images ?? [])
    const files = await this.media.write(images)
    try {
      let k = 0
      const messages: BindingMessage[] = prompt.messages.map((m) => {
        const own = m.images ?? []
        const paths = files.paths.slice(k, (k += own.length))
        return { role: bindingRole(m.role), content: partsOf(m.content, own, paths) }
      })
      const formatted = this.ctx.getFormattedChat(messages, undefined, { jinja: true, add_generation_prompt: true })
      const text = typeof formatted === 'string' ? formatted : formatted.prompt
      const mediaPaths = typeof formatted === 'string' ? [] : (formatted.media_paths ?? [])
      let tokens: number
      try {
        tokens = (await this.ctx.tokenize(text, mediaPaths.length > 0 ? { media_paths: mediaPaths } : undefined)).tokens.length
      } catch (err) {
        throw new InvalidImageError(`${(err as Error).message} (the bytes are not an image llama.cpp can decode: PNG, JPEG, GIF, BMP, TGA, PSD, PNM or HDR)`)
      }
      return { text, mediaPaths, tokens, release: files.remove }
    } catch (err) {
      await files.remove()
      throw err
    }
  }

  /** Throws ContextOverflowError when the prompt leaves no room for a token. */
  checkFits(tokens: number, param: string): void {
    if (tokens + 1 > this.info.contextSize) throw new ContextOverflowError(tokens, this.info.contextSize, param)
  }

  /** Aborts the running generations with `reason` (each stops its completion), waits for them, frees the model. */
  async dispose(reason: RuntimeError): Promise<void> {
    for (const c of this.running.keys()) c.abort(reason)
    await Promise.allSettled(this.running.values())
    await this.ctx.release()
  }
}

/** `general.file_type` (a number, as text in the binding's metadata) as its usual name (`F32`, `Q4_K_M`). */
function quantizationOf(fileType: string | undefined): string {
  if (fileType === undefined) return 'unknown'
  const name = (GGMLFileQuantizationType as unknown as Record<number, string | undefined>)[Number(fileType)]
  return name === undefined ? `type-${fileType}` : name.replace(/^(ALL|MOSTLY)_/, '')
}
