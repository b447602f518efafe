/**
 * A minimal GGUF v3 serialiser for generated test models: metadata of the scalar/string/array kinds the
 * generators need, and F32 tensors. Shared by the tiny text-model and tiny mmproj generators.
 */

/** GGUF metadata value types used here. */
export const GGUF_TYPE = { U16: 2, U32: 4, I32: 5, F32: 6, BOOL: 7, STR: 8, ARR: 9 } as const
export type GgufMetaValue = number | boolean | string | { arrayOf: number; items: (string | number)[] }
export type GgufMeta = [key: string, type: number, value: GgufMetaValue]

/** One F32 tensor; GGUF lists dims innermost-first (dims[0] = row length). */
export interface GgufTensor {
  name: string
  dims: number[]
  data: Float32Array
}

export const GGUF_ALIGNMENT = 32

/** The `general.*` keys every generated file starts with: F32 tensors, the writer's alignment. */
export function generalMetadata(architecture: string, name: string): GgufMeta[] {
  return [
    ['general.architecture', GGUF_TYPE.STR, architecture],
    ['general.name', GGUF_TYPE.STR, name],
    ['general.file_type', GGUF_TYPE.U32, 0],
    ['general.alignment', GGUF_TYPE.U32, GGUF_ALIGNMENT]
  ]
}

/** Element count of a tensor shape. */
export function elementCount(dims: number[]): number {
  return dims.reduce((a, b) => a * b, 1)
}

/** xorshift32: a small, fast, deterministic generator of numbers in [0, 1). */
export function xorshift32(seed: number): () => number {
  let s = seed >>> 0 || 1
  return () => {
    s ^= s << 13
    s >>>= 0
    s ^= s >>> 17
    s ^= s << 5
    s >>>= 0
    return s / 4294967296
  }
}

/**
 * Deterministic weights in [-scale/2, scale/2): the same seed gives the same sequence, so generated files
 * are byte-identical run to run.
 */
export function weightSource(seed: number, scale = 0.2): () => number {
  const next = xorshift32(seed)
  return () => (next() - 0.5) * scale
}

/**
 * A model split into `parts` GGUF files the way llama.cpp's gguf-split writes them: every part carries
 * `split.no` (u16), `split.count` (u16) and `split.tensors.count` (i32); the first part also carries
 * the model's metadata; the tensors are spread in order. llama.cpp loads the whole model from the first
 * part's path when the parts are named `<prefix>-0000i-of-0000N.gguf`.
 */
export function serializeGgufSplits(meta: GgufMeta[], tensors: GgufTensor[], parts: number): Buffer[] {
  if (!Number.isInteger(parts) || parts < 2 || parts > tensors.length) throw new Error(`cannot split ${tensors.length} tensors into ${parts} parts`)
  const per = Math.ceil(tensors.length / parts)
  return Array.from({ length: parts }, (_, i) => {
    const split: GgufMeta[] = [
      ['split.no', GGUF_TYPE.U16, i],
      ['split.count', GGUF_TYPE.U16, parts],
      ['split.tensors.count', GGUF_TYPE.I32, tensors.length]
    ]
    return serializeGguf(i === 0 ? [...meta, ...split] : [['general.alignment', GGUF_TYPE.U32, GGUF_ALIGNMENT], ...split], tensors.slice(i * per, (i + 1) * per))
  })
}

/** Serialises metadata and tensors to GGUF v3 bytes (`general.alignment` must be 32 or absent). */
export function serializeGguf(meta: GgufMeta[], tensors: GgufTensor[]): Buffer {
  const T = GGUF_TYPE
  const chunks: Buffer[] = []
  let size = 0
  const push = (b: Buffer): void => {
    chunks.push(b)
    size += b.length
  }
  const num = (n: number, bytes: 2 | 4 | 8, kind: 'u' | 'i' | 'f'): void => {
    const b = Buffer.alloc(bytes)
    if (bytes === 8) b.writeBigUInt64LE(BigInt(n))
    else if (bytes === 2) b.writeUInt16LE(n)
    else if (kind === 'u') b.writeUInt32LE(n)
    else if (kind === 'i') b.writeInt32LE(n)
    else b.writeFloatLE(n)
    push(b)
  }
  const str = (s: string): void => {
    const b = Buffer.from(s, 'utf8')
    num(b.length, 8, 'u')
    push(b)
  }
  const scalar = (type: number, v: string | number | boolean): void => {
    if (type === T.U16) num(v as number, 2, 'u')
    else if (type === T.U32) num(v as number, 4, 'u')
    else if (type === T.I32) num(v as number, 4, 'i')
    else if (type === T.F32) num(v as number, 4, 'f')
    else if (type === T.BOOL) push(Buffer.from([v ? 1 : 0]))
    else str(v as string)
  }
  const pad = (): void => {
    const n = (GGUF_ALIGNMENT - (size % GGUF_ALIGNMENT)) % GGUF_ALIGNMENT
    if (n) push(Buffer.alloc(n))
  }

  push(Buffer.from('GGUF', 'ascii'))
  num(3, 4, 'u')
  num(tensors.length, 8, 'u')
  num(meta.length, 8, 'u')
  for (const [key, type, value] of meta) {
    str(key)
    num(type, 4, 'u')
    if (typeof value === 'object') {
      num(value.arrayOf, 4, 'u')
      num(value.items.length, 8, 'u')
      for (const x of value.items) scalar(value.arrayOf, x)
    } else scalar(type, value)
  }
  let off = 0
  for (const ti of tensors) {
    str(ti.name)
    num(ti.dims.length, 4, 'u')
    for (const d of ti.dims) num(d, 8, 'u')
    num(0, 4, 'u') // GGML_TYPE_F32
    num(off, 8, 'u')
    off += Math.ceil((ti.data.length * 4) / GGUF_ALIGNMENT) * GGUF_ALIGNMENT
  }
  pad()
  for (const ti of tensors) {
    push(Buffer.from(ti.data.buffer, ti.data.byteOffset, ti.data.byteLength))
    pad()
  }
  return Buffer.concat(chunks, size)
}
