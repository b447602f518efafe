/**
 * Writer of tiny, valid GGUF v3 files: llama architecture, a SentencePiece-style ("llama") vocabulary
 * with byte-fallback tokens, small deterministic random F32 weights. The text such a model writes is
 * gibberish; it exists so the demo node and every test load a real GGUF into real llama.cpp without
 * downloading anything.
 */
import { writeFile } from 'node:fs/promises'
import { TINY_TEMPLATES, type TinyTemplateName } from './chat-templates.js'
import { elementCount, generalMetadata, GGUF_TYPE as T, type GgufMeta as Meta, type GgufTensor, serializeGguf, serializeGgufSplits, weightSource } from './gguf-writer.js'

/** Shape of the generated model. All sizes are element counts. */
export interface TinyGgufOptions {
  /** Transformer blocks. @default 2 */
  layers?: number
  /** Embedding width; must be divisible by `heads`. @default 64 */
  embd?: number
  /** Attention heads. @default 4 */
  heads?: number
  /** Key/value heads (GQA). @default heads */
  kvHeads?: number
  /** Feed-forward width. @default 128 */
  ff?: number
  /** Trained context length written into the metadata (tokens). @default 512 */
  ctx?: number
  /** PRNG seed; the same seed gives byte-identical files. @default 1 */
  seed?: number
  /** `general.name` metadata. @default 'llmlb-tiny' */
  name?: string
  /** Metadata keys to leave out; used by tests to produce malformed models. */
  omit?: string[]
  /** A Jinja chat template to embed as `tokenizer.chat_template`. */
  chatTemplate?: string
  /**
   * A named template to embed instead of `chatTemplate`: `hermes` is a Qwen2.5/Hermes-style template
   * with tool support (the model then reports the `tools` capability).
   */
  template?: TinyTemplateName
  /**
   * Bias the output layer towards word pieces: byte and control tokens get zero logits, word pieces
   * large random ones, so the model writes readable (if meaningless) words instead of invalid UTF-8.
   * Used for the demo model. @default false
   */
  readable?: boolean
}

const WORDS = ['hello', 'world', 'the', 'mesh', 'node', 'model', 'token', 'cluster', 'llm', 'and', 'is', 'of', 'to', 'a']

/** Builds the vocabulary: control tokens, 256 byte tokens, letters and word prefixes (longer pieces score higher). */
function vocabulary(): { tokens: string[]; scores: number[]; types: number[] } {
  const tokens: string[] = []
  const scores: number[] = []
  const types: number[] = []
  const add = (t: string, score: number, type: number): void => {
    tokens.push(t)
    scores.push(score)
    types.push(type)
  }
  // token types (llama.cpp): 1 normal, 2 unknown, 3 control, 6 byte
  add('<unk>', 0, 2)
  add('<s>', 0, 3)
  add('</s>', 0, 3)
  for (let b = 0; b < 256; b++) add(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`, 0, 6)
  const pieces = ['▁', ...'abcdefghijklmnopqrstuvwxyz', '.', ',', '!', '?']
  for (const w of WORDS) for (let i = 1; i <= w.length; i++) pieces.push('▁' + w.slice(0, i))
  for (const p of [...new Set(pieces)]) add(p, -1000 + [...p].length * 10 - tokens.length * 0.001, 1)
  return { tokens, scores, types }
}

/** Serialises a tiny model to bytes. Deterministic for a given set of options. */
export function buildTinyGguf(opts: TinyGgufOptions = {}): Buffer {
  const { meta, tensors } = tinyModel(opts)
  return serializeGguf(meta, tensors)
}

/**
 * The same model as `buildTinyGguf` split into `parts` files (llama.cpp's gguf-split layout): name them
 * `<prefix>-00001-of-0000N.gguf`… and load the first.
 */
export function buildTinyGgufSplits(opts: TinyGgufOptions, parts: number): Buffer[] {
  const { meta, tensors } = tinyModel(opts)
  return serializeGgufSplits(meta, tensors, parts)
}

function tinyModel(opts: TinyGgufOptions): { meta: Meta[]; tensors: GgufTensor[] } {
  const L = opts.layers ?? 2
  const E = opts.embd ?? 64
  const H = opts.heads ?? 4
  const HKV = opts.kvHeads ?? H
  const FF = opts.ff ?? 128
  const CTX = opts.ctx ?? 512
  const headDim = E / H
  if (!Number.isInteger(headDim)) throw new Error('embd must be divisible by heads')
  const rand = weightSource(opts.seed ?? 1)
  const { tokens, scores, types } = vocabulary()
  const omit = new Set(opts.omit ?? [])
  const chatTemplate = opts.template === undefined ? opts.chatTemplate : TINY_TEMPLATES[opts.template]

  const meta: Meta[] = (
    [
      ...generalMetadata('llama', opts.name ?? 'llmlb-tiny'),
      ['llama.context_length', T.U32, CTX],
      ['llama.embedding_length', T.U32, E],
      ['llama.block_count', T.U32, L],
      ['llama.feed_forward_length', T.U32, FF],
      ['llama.attention.head_count', T.U32, H],
      ['llama.attention.head_count_kv', T.U32, HKV],
      ['llama.attention.layer_norm_rms_epsilon', T.F32, 1e-5],
      ['llama.rope.dimension_count', T.U32, headDim],
      ['llama.rope.freq_base', T.F32, 10000],
      ['llama.vocab_size', T.U32, tokens.length],
      ['tokenizer.ggml.model', T.STR, 'llama'],
      ['tokenizer.ggml.tokens', T.ARR, { arrayOf: T.STR, items: tokens }],
      ['tokenizer.ggml.scores', T.ARR, { arrayOf: T.F32, items: scores }],
      ['tokenizer.ggml.token_type', T.ARR, { arrayOf: T.I32, items: types }],
      ['tokenizer.ggml.unknown_token_id', T.U32, 0],
      ['tokenizer.ggml.bos_token_id', T.U32, 1],
      ['tokenizer.ggml.eos_token_id', T.U32, 2],
      ['tokenizer.ggml.add_bos_token', T.BOOL, true],
      ['tokenizer.ggml.add_eos_token', T.BOOL, false],
      ...(chatTemplate ? [['tokenizer.chat_template', T.STR, chatTemplate] as Meta] : [])
    ] as Meta[]
  ).filter(([k]) => !omit.has(k))

  // GGUF lists dims innermost-first (ne[0] = row length)
  const tensors: { name: string; dims: number[]; ones: boolean }[] = []
  const t = (name: string, dims: number[], ones = false): void => void tensors.push({ name, dims, ones })
  const V = tokens.length
  t('token_embd.weight', [E, V])
  for (let i = 0; i < L; i++) {
    t(`blk.${i}.attn_norm.weight`, [E], true)
    t(`blk.${i}.attn_q.weight`, [E, H * headDim])
    t(`blk.${i}.attn_k.weight`, [E, HKV * headDim])
    t(`blk.${i}.attn_v.weight`, [E, HKV * headDim])
    t(`blk.${i}.attn_output.weight`, [H * headDim, E])
    t(`blk.${i}.ffn_norm.weight`, [E], true)
    t(`blk.${i}.ffn_gate.weight`, [E, FF])
    t(`blk.${i}.ffn_up.weight`, [E, FF])
    t(`blk.${i}.ffn_down.weight`, [FF, E])
  }
  t('output_norm.weight', [E], true)
  t('output.weight', [E, V])

  // first vocabulary index of a word piece: after <unk> <s> </s> and the 256 byte tokens
  const firstPiece = 3 + 256
  const EOS = 2
  const out: GgufTensor[] = tensors.map((ti) => {
    const f = new Float32Array(elementCount(ti.dims))
    const biased = opts.readable === true && ti.name === 'output.weight'
    for (let j = 0; j < f.length; j++) {
      const r = rand()
      if (ti.ones) f[j] = 1
      else if (!biased) f[j] = r
      else {
        const v = Math.floor(j / E) // output.weight rows are per vocabulary entry, E floats each
        f[j] = v >= firstPiece ? r * 8 : v === EOS ? r * 6 : 0
      }
    }
    return { name: ti.name, dims: ti.dims, data: f }
  })
  return { meta, tensors: out }
}

/** Writes a tiny model to `path` and returns its size in bytes. */
export async function writeTinyGguf(path: string, opts: TinyGgufOptions = {}): Promise<number> {
  const buf = buildTinyGguf(opts)
  await writeFile(path, buf)
  return buf.length
}
