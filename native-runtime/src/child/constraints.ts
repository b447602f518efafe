/**
 * Grammars for constrained decoding: JSON matching a schema (structured outputs), or tool calls in the
 * model's own call syntax (forced tool calls). Built with node-llama-cpp's JSON-schema grammar, cached
 * per model since clients send the same schema request after request.
 */
import type { GbnfJsonSchema, LlamaGrammar, LlamaModel } from 'node-llama-cpp'
import { RuntimeError } from '../errors.js'
import type { GenerateParams } from '../interfaces.js'
import { type CallSyntax, toolCallGrammar, tightenJsonGrammar } from '../tools/gbnf.js'

/** Grammars kept per model (by their source text). */
const CACHE_LIMIT = 64

export class GrammarCache {
  private readonly grammars = new Map<string, Promise<LlamaGrammar>>()

  constructor(
    private readonly model: LlamaModel,
    private readonly syntax: CallSyntax
  ) {}

  /** The grammar a generation's parameters ask for, or null when its output is free. */
  async for(params: GenerateParams): Promise<LlamaGrammar | null> {
    const tools = params.tools
    if (tools?.mode === 'required' && (tools.allowed?.length ?? 0) > 0) {
      const allowed = tools.allowed ?? []
      const parts = await Promise.all(allowed.map(async (t) => ({ name: t.name, argumentsGrammar: await this.jsonGrammarText(t.schema, `tools.${t.name}`) })))
      return this.cached(toolCallGrammar(this.syntax, parts, tools.parallel))
    }
    if (params.jsonSchema !== undefined) return this.cached(tightenJsonGrammar(await this.jsonGrammarText(params.jsonSchema, 'response_format')))
    return null
  }

  private async jsonGrammarText(schema: Record<string, unknown>, param: string): Promise<string> {
    try {
      return (await this.model.llama.createGrammarForJsonSchema(schema as never as Extract<GbnfJsonSchema, { type: 'object' }>)).grammar
    } catch (err) {
      throw new RuntimeError('invalid_request', `The JSON schema cannot be turned into a grammar: ${(err as Error).message}`, { param })
    }
  }

  private cached(gbnf: string): Promise<LlamaGrammar> {
    let g = this.grammars.get(gbnf)
    if (g === undefined) {
      if (this.grammars.size >= CACHE_LIMIT) this.grammars.delete(this.grammars.keys().next().value as string)
      g = this.model.llama.createGrammar({ grammar: gbnf })
      g.catch(() => this.grammars.delete(gbnf))
      this.grammars.set(gbnf, g)
    }
    return g.catch((err: unknown) => {
      throw new RuntimeError('invalid_request', `The grammar for this request is invalid: ${(err as Error).message}`, { param: null })
    })
  }
}
