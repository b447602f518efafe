/**
 * Writer of tiny, valid whisper.cpp models (the legacy ggml container, magic `ggml`, all F32, random
 * weights): the transcriptions are random tokens, deterministic at temperature 0. They exist so tests and
 * benchmarks run real whisper.cpp without downloading a model. The layout is whisper.cpp's
 * `whisper_model_load`; its hard requirements (found by trying): `n_vocab` >= 51864 because the special
 * token ids are fixed (eot 50256, sot 50257, beg 50363), mel filters of `n_fft` = 201 columns, and a
 * vocabulary that holds the token `" "` (whisper's suppress-blank looks it up and throws without it).
 */
import { writeFile } from 'node:fs/promises'

/** Magic number of the legacy ggml container whisper.cpp reads (`ggml` little-endian). */
export const WHISPER_GGML_MAGIC = 0x67676d6c

export interface TinyWhisperOptions {
  /** Encoder and decoder width. @default 16 */
  state?: number
  /** Attention heads (encoder and decoder). @default 2 */
  heads?: number
  /** Encoder and decoder blocks. @default 1 */
  layers?: number
  /** PRNG seed; the same seed gives byte-identical files. @default 42 */
  seed?: number
}

/** mulberry32: small, deterministic, good enough for random weights. */
function prng(seed: number): () => number {
  let s = seed | 0
  return () => {
    s = (s + 0x6d2b79f5) | 0
    let t = Math.imul(s ^ (s >>> 15), 1 | s)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Builds the model bytes (about 4 MB at the default width). */
export function buildTinyWhisper(options: TinyWhisperOptions = {}): Buffer {
  const S = options.state ?? 16
  const H = options.heads ?? 2
  const L = options.layers ?? 1
  const hp = { n_vocab: 51864, n_audio_ctx: 1500, n_audio_state: S, n_audio_head: H, n_audio_layer: L, n_text_ctx: 448, n_text_state: S, n_text_head: H, n_text_layer: L, n_mels: 80, ftype: 0 }
  const rand = prng(options.seed ?? 42)
  const parts: Buffer[] = []
  const int = (v: number): void => {
    const b = Buffer.alloc(4)
    b.writeInt32LE(v)
    parts.push(b)
  }
  const floats = (n: number, f: () => number): void => {
    const a = new Float32Array(n)
    for (let i = 0; i < n; i++) a[i] = f()
    parts.push(Buffer.from(a.buffer))
  }
  parts.push(Buffer.from(new Uint32Array([WHISPER_GGML_MAGIC]).buffer))
  for (const v of Object.values(hp)) int(v)
  // mel filter bank: n_mels x (1 + 400 / 2)
  int(hp.n_mels)
  int(201)
  floats(hp.n_mels * 201, () => rand() * 0.01)
  // the text tokens 0..50256; whisper.cpp adds the special ones itself
  const textTokens = 50257
  int(textTokens)
  for (let i = 0; i < textTokens; i++) {
    const s = Buffer.from(i === 50256 ? '<|endoftext|>' : i === 220 ? ' ' : ` w${i}`)
    int(s.length)
    parts.push(s)
  }
  const tensor = (name: string, ne: number[]): void => {
    const nb = Buffer.from(name)
    int(ne.length)
    int(nb.length)
    int(0) // F32
    for (const d of ne) int(d)
    parts.push(nb)
    // layer-norm gains start at 1, everything else small and centred
    const gain = ne.length === 1 && /(^|\.)(ln_post|mlp_ln|attn_ln|cross_attn_ln|ln)\.weight$/.test(name)
    floats(ne.reduce((a, b) => a * b, 1), gain ? () => 1 : () => (rand() - 0.5) * 0.2)
  }
  const block = (p: string, cross: boolean): void => {
    tensor(`${p}.mlp_ln.weight`, [S])
    tensor(`${p}.mlp_ln.bias`, [S])
    tensor(`${p}.mlp.0.weight`, [S, 4 * S])
    tensor(`${p}.mlp.0.bias`, [4 * S])
    tensor(`${p}.mlp.2.weight`, [4 * S, S])
    tensor(`${p}.mlp.2.bias`, [S])
    for (const a of cross ? ['attn', 'cross_attn'] : ['attn']) {
      tensor(`${p}.${a}_ln.weight`, [S])
      tensor(`${p}.${a}_ln.bias`, [S])
      tensor(`${p}.${a}.query.weight`, [S, S])
      tensor(`${p}.${a}.query.bias`, [S])
      tensor(`${p}.${a}.key.weight`, [S, S])
      tensor(`${p}.${a}.value.weight`, [S, S])
      tensor(`${p}.${a}.value.bias`, [S])
      tensor(`${p}.${a}.out.weight`, [S, S])
      tensor(`${p}.${a}.out.bias`, [S])
    }
  }
  tensor('encoder.positional_embedding', [S, hp.n_audio_ctx])
  tensor('encoder.conv1.weight', [3, hp.n_mels, S])
  tensor('encoder.conv1.bias', [1, S])
  tensor('encoder.conv2.weight', [3, S, S])
  tensor('encoder.conv2.bias', [1, S])
  tensor('encoder.ln_post.weight', [S])
  tensor('encoder.ln_post.bias', [S])
  for (let l = 0; l < L; l++) block(`encoder.blocks.${l}`, false)
  tensor('decoder.positional_embedding', [S, hp.n_text_ctx])
  tensor('decoder.token_embedding.weight', [S, hp.n_vocab])
  tensor('decoder.ln.weight', [S])
  tensor('decoder.ln.bias', [S])
  for (let l = 0; l < L; l++) block(`decoder.blocks.${l}`, true)
  return Buffer.concat(parts)
}

/** Writes a tiny whisper model to `path`; resolves with its size in bytes. */
export async function writeTinyWhisper(path: string, options: TinyWhisperOptions = {}): Promise<number> {
  const bytes = buildTinyWhisper(options)
  await writeFile(path, bytes)
  return bytes.byteLength
}
