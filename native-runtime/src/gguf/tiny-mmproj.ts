/**
 * Writer of tiny multimodal projector (`mmproj`) GGUF files: a CLIP-style vision encoder (architecture
 * `clip`) with a LLaVA `mlp` projector whose output width is the text model's embedding width, random F32
 * weights. llama.cpp's libmtmd loads it next to a tiny text model, so vision requests run through real
 * image decoding, encoding and prompt evaluation without downloading anything.
 */
import { writeFile } from 'node:fs/promises'
import { elementCount, generalMetadata, GGUF_TYPE as T, type GgufMeta, type GgufTensor, serializeGguf, weightSource } from './gguf-writer.js'

export interface TinyMmprojOptions {
  /** Embedding width of the text model the projector feeds (its `n_embd`). @default 64 */
  textEmbd?: number
  /** Side of the square input image in pixels; a multiple of `patchSize`. @default 28 */
  imageSize?: number
  /** Side of a patch in pixels. @default 14 */
  patchSize?: number
  /** Vision encoder width; divisible by `heads`. @default 32 */
  embd?: number
  /** Vision encoder feed-forward width. @default 64 */
  ff?: number
  /** Vision encoder blocks. @default 1 */
  layers?: number
  /** Vision encoder attention heads. @default 2 */
  heads?: number
  /** PRNG seed; the same seed gives byte-identical files. @default 7 */
  seed?: number
  /** Metadata keys to leave out; used by tests to produce malformed projectors. */
  omit?: string[]
}

/** Serialises a tiny projector to bytes. Deterministic for a given set of options. */
export function buildTinyMmproj(opts: TinyMmprojOptions = {}): Buffer {
  const N = opts.textEmbd ?? 64
  const IMG = opts.imageSize ?? 28
  const P = opts.patchSize ?? 14
  const E = opts.embd ?? 32
  const FF = opts.ff ?? 64
  const L = opts.layers ?? 1
  const H = opts.heads ?? 2
  if (IMG % P !== 0) throw new Error('imageSize must be a multiple of patchSize')
  if (E % H !== 0) throw new Error('embd must be divisible by heads')
  // CLIP prepends a class token to the patches, hence one more position
  const positions = (IMG / P) ** 2 + 1
  const omit = new Set(opts.omit ?? [])
  const meta: GgufMeta[] = (
    [
      ...generalMetadata('clip', 'llmlb-tiny-mmproj'),
      ['clip.has_vision_encoder', T.BOOL, true],
      ['clip.has_text_encoder', T.BOOL, false],
      ['clip.has_llava_projector', T.BOOL, true],
      ['clip.projector_type', T.STR, 'mlp'],
      ['clip.use_gelu', T.BOOL, true],
      ['clip.vision.image_size', T.U32, IMG],
      ['clip.vision.patch_size', T.U32, P],
      ['clip.vision.embedding_length', T.U32, E],
      ['clip.vision.feed_forward_length', T.U32, FF],
      ['clip.vision.projection_dim', T.U32, N],
      ['clip.vision.block_count', T.U32, L],
      ['clip.vision.attention.head_count', T.U32, H],
      ['clip.vision.attention.layer_norm_epsilon', T.F32, 1e-5],
      ['clip.vision.image_mean', T.ARR, { arrayOf: T.F32, items: [0.5, 0.5, 0.5] }],
      ['clip.vision.image_std', T.ARR, { arrayOf: T.F32, items: [0.5, 0.5, 0.5] }]
    ] as GgufMeta[]
  ).filter(([k]) => !omit.has(k))

  const rand = weightSource(opts.seed ?? 7)
  const tensors: GgufTensor[] = []
  const t = (name: string, dims: number[], fill: 'rand' | 'ones' | 'zeros' = 'rand'): void => {
    const data = new Float32Array(elementCount(dims))
    if (fill === 'ones') data.fill(1)
    else if (fill === 'rand') for (let i = 0; i < data.length; i++) data[i] = rand()
    tensors.push({ name, dims, data })
  }
  const norm = (name: string): void => {
    t(`${name}.weight`, [E], 'ones')
    t(`${name}.bias`, [E], 'zeros')
  }
  const linear = (name: string, inp: number, out: number): void => {
    t(`${name}.weight`, [inp, out])
    t(`${name}.bias`, [out], 'zeros')
  }
  t('v.class_embd', [E])
  t('v.patch_embd.weight', [P, P, 3, E])
  t('v.position_embd.weight', [E, positions])
  norm('v.pre_ln')
  for (let i = 0; i < L; i++) {
    linear(`v.blk.${i}.attn_q`, E, E)
    linear(`v.blk.${i}.attn_k`, E, E)
    linear(`v.blk.${i}.attn_v`, E, E)
    linear(`v.blk.${i}.attn_out`, E, E)
    norm(`v.blk.${i}.ln1`)
    norm(`v.blk.${i}.ln2`)
    linear(`v.blk.${i}.ffn_up`, E, FF)
    linear(`v.blk.${i}.ffn_down`, FF, E)
  }
  linear('mm.0', E, N)
  linear('mm.2', N, N)
  return serializeGguf(meta, tensors)
}

/** Writes a tiny projector to `path` and returns its size in bytes. */
export async function writeTinyMmproj(path: string, opts: TinyMmprojOptions = {}): Promise<number> {
  const buf = buildTinyMmproj(opts)
  await writeFile(path, buf)
  return buf.length
}
