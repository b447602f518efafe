/**
 * Writer of tiny text-to-speech models for sherpa-onnx's VITS engine: an ONNX graph with VITS's inputs
 * (`x` token ids, `x_length`, `noise_scale`, `length_scale`, `noise_scale_w`) whose output is one period
 * of a tone per input token, scaled by the token id, plus the metadata sherpa reads (`sample_rate`,
 * `n_speakers`, `language`, `comment`, `frontend = characters`) and a character `tokens.txt`. The speech
 * is a buzz, not words; it exists so tests run the real engine without downloading a model. The ONNX
 * protobuf is written by hand (field numbers from onnx.proto) to need no protobuf tooling.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

export interface TinyTtsOptions {
  /** Output sample rate (Hz). @default 16000 */
  sampleRate?: number
  /** Speakers (voices). @default 2 */
  speakers?: number
}

/** Samples written per input token. */
const HOP = 256
/** The characters the model knows; id = index + 1 (0 is the blank/pad). */
const CHARS = " abcdefghijklmnopqrstuvwxyz',.?!-"

// ---- protobuf wire format ----
const varint = (n: number | bigint): number[] => {
  let v = BigInt.asUintN(64, BigInt(n))
  const out: number[] = []
  do {
    const byte = Number(v & 0x7fn)
    v >>= 7n
    out.push(v > 0n ? byte | 0x80 : byte)
  } while (v > 0n)
  return out
}
const key = (field: number, wire: number): number[] => varint((field << 3) | wire)
const int = (field: number, n: number | bigint): Buffer => Buffer.from([...key(field, 0), ...varint(n)])
const bytes = (field: number, b: Uint8Array | string): Buffer => {
  const data = typeof b === 'string' ? Buffer.from(b) : Buffer.from(b)
  return Buffer.concat([Buffer.from([...key(field, 2), ...varint(data.length)]), data])
}
const msg = (field: number, ...parts: Buffer[]): Buffer => bytes(field, Buffer.concat(parts))

// ---- ONNX messages (onnx.proto field numbers) ----
const FLOAT = 1
const INT64 = 7
/** TensorProto with raw little-endian data. */
const tensor = (field: number, name: string, type: number, dims: number[], raw: Buffer): Buffer =>
  msg(field, ...dims.map((d) => int(1, d)), int(2, type), bytes(8, name), bytes(9, raw))
/** ValueInfoProto of a tensor; a dim is a fixed size or a symbolic name. */
const value = (field: number, name: string, type: number, dims: (number | string)[]): Buffer =>
  msg(field, bytes(1, name), msg(2, msg(1, int(1, type), msg(2, ...dims.map((d) => msg(1, typeof d === 'number' ? int(1, d) : bytes(2, d)))))))
/** NodeProto with integer / integer-list attributes. */
const node = (op: string, inputs: string[], outputs: string[], attrs: Buffer[] = []): Buffer =>
  msg(1, ...inputs.map((i) => bytes(1, i)), ...outputs.map((o) => bytes(2, o)), bytes(3, `${op}_${outputs[0]}`), bytes(4, op), ...attrs)
const attrInt = (name: string, v: number): Buffer => msg(5, bytes(1, name), int(20, 2), int(3, v))
const attrInts = (name: string, v: number[]): Buffer => msg(5, bytes(1, name), int(20, 7), ...v.map((x) => int(8, x)))
const meta = (k: string, v: string): Buffer => msg(14, bytes(1, k), bytes(2, v))

const f32 = (values: number[]): Buffer => Buffer.from(new Float32Array(values).buffer)
const i64 = (values: number[]): Buffer => Buffer.from(new BigInt64Array(values.map(BigInt)).buffer)

/** Builds the ONNX model bytes. */
export function buildTinyTtsOnnx(options: TinyTtsOptions = {}): Buffer {
  const rate = options.sampleRate ?? 16_000
  const speakers = options.speakers ?? 2
  const period = Array.from({ length: HOP }, (_, i) => Math.sin((2 * Math.PI * 4 * i) / HOP))
  const graph = Buffer.concat([
    // y = reshape(unsqueeze(float(x) / n_tokens, 2) * period, [1, 1, -1])
    node('Cast', ['x'], ['xf'], [attrInt('to', FLOAT)]),
    node('Mul', ['xf', 'inv_tokens'], ['amp']),
    node('Unsqueeze', ['amp'], ['amp3'], [attrInts('axes', [2])]),
    node('Mul', ['amp3', 'period'], ['frames']),
    node('Reshape', ['frames', 'out_shape'], ['y']),
    bytes(2, 'llmlb-tiny-tts'),
    tensor(5, 'inv_tokens', FLOAT, [], f32([0.8 / CHARS.length])),
    tensor(5, 'period', FLOAT, [1, 1, HOP], f32(period)),
    tensor(5, 'out_shape', INT64, [3], i64([1, 1, -1])),
    value(11, 'x', INT64, [1, 'T']),
    value(11, 'x_length', INT64, [1]),
    value(11, 'noise_scale', FLOAT, [1]),
    value(11, 'length_scale', FLOAT, [1]),
    value(11, 'noise_scale_w', FLOAT, [1]),
    ...(speakers > 1 ? [value(11, 'sid', INT64, [1])] : []),
    value(12, 'y', FLOAT, [1, 1, 'S'])
  ])
  return Buffer.concat([
    int(1, 7), // ir_version
    bytes(2, 'llmlb'),
    msg(7, graph),
    msg(8, bytes(1, ''), int(2, 12)), // opset 12: Unsqueeze takes `axes` as an attribute
    meta('model_type', 'vits'),
    meta('comment', 'llmlb tiny test model'),
    meta('language', 'English'),
    meta('sample_rate', String(rate)),
    meta('n_speakers', String(speakers)),
    meta('add_blank', '0'),
    meta('frontend', 'characters'),
    meta('use_eos_bos', '0'),
    meta('punctuation', ", . ? ! ' -")
  ])
}

/** `tokens.txt` of the character frontend: `<char> <id>` per line. */
export function tinyTtsTokens(): string {
  return ['_ 0', ...[...CHARS].map((c, i) => `${c} ${i + 1}`)].join('\n') + '\n'
}

/**
 * Writes a tiny TTS model folder (`model.onnx` + `tokens.txt`) at `dir`; resolves with the model path.
 * The folder is what `--model` takes for a speech model.
 */
export async function writeTinyTts(dir: string, options: TinyTtsOptions = {}): Promise<string> {
  await mkdir(dir, { recursive: true })
  const model = join(dir, 'model.onnx')
  await writeFile(model, buildTinyTtsOnnx(options))
  await writeFile(join(dir, 'tokens.txt'), tinyTtsTokens())
  return model
}
