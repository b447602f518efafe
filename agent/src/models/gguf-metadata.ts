/**
 * Reads what the model store records from a GGUF header (only the header is read, not the tensors),
 * with @huggingface/gguf: it runs in the agent's process without loading llama.cpp, so a malformed
 * file cannot abort anything here.
 */
import { gguf, GGMLFileQuantizationType, parseGGUFQuantLabel } from '@huggingface/gguf'
import { capabilitiesOf } from '../../../native-runtime/src/index.js'
import type { ModelRecord } from './model-record.js'

/** The header fields of a model record. */
export type GgufFacts = Pick<ModelRecord, 'architecture' | 'parameters' | 'contextLength' | 'quantization' | 'chatTemplate' | 'capabilities' | 'kvBytesPerToken'>

/** `general.file_type` as its usual name (`Q4_K_M`), else the label in the file name, else `unknown`. */
export function quantizationOf(fileType: unknown, fileName: string): string {
  if (typeof fileType === 'number') {
    const name = (GGMLFileQuantizationType as unknown as Record<number, string | undefined>)[fileType]
    if (name) return name.replace(/^(ALL|MOSTLY)_/, '')
  }
  return parseGGUFQuantLabel(fileName) ?? 'unknown'
}

/** Maps parsed GGUF metadata (key → value) to the record's fields. Pure. */
export function factsFromMetadata(meta: Record<string, unknown>, parameters: number, fileName: string, hasProjector: boolean): GgufFacts {
  const architecture = typeof meta['general.architecture'] === 'string' ? meta['general.architecture'] : 'unknown'
  const num = (key: string): number => {
    const v = meta[`${architecture}.${key}`]
    return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : 0
  }
  const ctx = meta[`${architecture}.context_length`]
  const heads = num('attention.head_count')
  const kvHeads = num('attention.head_count_kv') || heads
  // K and V, f16 (2 bytes), per layer: the KV cache llama.cpp allocates per token of context
  const kvBytesPerToken = heads > 0 ? num('block_count') * (num('embedding_length') / heads) * kvHeads * 2 * 2 : 0
  const template = typeof meta['tokenizer.chat_template'] === 'string' ? meta['tokenizer.chat_template'] : null
  const capabilities = { ...capabilitiesOf(architecture, template ?? ''), vision: hasProjector }
  return {
    architecture,
    parameters,
    contextLength: typeof ctx === 'number' ? ctx : typeof ctx === 'bigint' ? Number(ctx) : 0,
    quantization: quantizationOf(meta['general.file_type'], fileName),
    chatTemplate: template,
    capabilities,
    kvBytesPerToken
  }
}

/**
 * Reads the header of a local GGUF. Throws when the file is not a GGUF. `fileName`: the name whose
 * quantization label is the fallback (when `path` is a download's `.part` file). `within`: for a file
 * still being written, the bytes that were on disk before the read began; a header that does not end
 * inside them throws (the parser reads a cut header without complaint and counts what it finds).
 */
export async function readGgufFacts(path: string, hasProjector = false, fileName = path, within?: number): Promise<GgufFacts> {
  const parsed = await gguf(path, { allowLocalFile: true, computeParametersCount: true })
  if (within !== undefined && !(Number(parsed.tensorDataOffset) <= within)) throw new Error(`${path}: the header runs past the ${within} bytes written`)
  return factsFromMetadata(parsed.metadata as unknown as Record<string, unknown>, parsed.parameterCount, fileName, hasProjector)
}
