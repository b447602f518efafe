/**
 * IPC messages between the `AudioRuntime` supervisor and its child (`child.ts`). The channel uses Node's
 * `advanced` serialization so PCM travels as a typed array, not as JSON numbers. Every message the
 * parent receives is validated here; a malformed one is dropped and logged.
 */
import { z } from 'zod'

const id = z.number().int().nonnegative()
const wireError = z.object({ code: z.string().max(64), message: z.string().max(8_192), param: z.string().max(64).nullable() })
export type AudioWireError = z.infer<typeof wireError>

/** Options of one transcription (OpenAI's form fields, already validated by the agent). */
export const transcribeOptionsSchema = z.object({
  language: z.string().min(2).max(16).optional(),
  prompt: z.string().max(4_096).optional(),
  temperature: z.number().min(0).max(1).optional(),
  /** Temperature step of whisper's fallback on a failed segment; 0: no fallback. Whisper's default when absent. */
  temperatureInc: z.number().min(0).max(1).optional(),
  translate: z.boolean(),
  /** Word-level timestamps (whisper's token timestamps). */
  words: z.boolean().default(false)
})
export type TranscribeOptions = z.input<typeof transcribeOptionsSchema>

export const segmentSchema = z.object({ text: z.string(), startMs: z.number(), endMs: z.number() })
export type TranscriptSegment = z.infer<typeof segmentSchema>

export const transcriptSchema = z.object({
  text: z.string(),
  language: z.string(),
  segments: z.array(segmentSchema),
  /** Time whisper.cpp spent on this request (ms). */
  durationMs: z.number().nonnegative()
})
export type Transcript = z.infer<typeof transcriptSchema>

/** The child's settings, its single command-line argument (JSON). */
export const audioChildInitSchema = z.object({
  threads: z.number().int().min(1).max(1_024),
  parentPid: z.number().int().positive(),
  /** Deadline of one binding call (ms): whisper.node 1.1.3 never settles its promise on a native error. */
  callTimeoutMs: z.number().int().positive()
})
export type AudioChildInit = z.infer<typeof audioChildInitSchema>

/** The engine of an audio model: whisper.cpp (speech to text) or sherpa-onnx VITS (text to speech). */
export type AudioEngine = 'whisper' | 'tts'

export type AudioParentMessage =
  | { type: 'load'; id: number; model: string; path: string; engine: AudioEngine }
  | { type: 'unload'; id: number; model: string }
  /** `file`: the PCM as a 16 kHz mono WAV file the parent wrote (PcmHandoff); `samples`: its length. */
  | { type: 'transcribe'; id: number; model: string; file: string; samples: number; options: TranscribeOptions }
  | { type: 'speak'; id: number; model: string; text: string; speaker: number; speed: number }
  | { type: 'cancel'; id: number }

export const audioChildMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), pid: z.number().int() }),
  z.object({ type: z.literal('loaded'), id, speakers: z.number().int().nonnegative().optional(), sampleRate: z.number().int().positive().optional() }),
  /** A chunk of speech as the engine produced it (one sentence, usually). */
  z.object({ type: z.literal('speech'), id, samples: z.instanceof(Float32Array) }),
  z.object({ type: z.literal('spoken'), id }),
  z.object({ type: z.literal('unloaded'), id }),
  z.object({ type: z.literal('transcript'), id, transcript: transcriptSchema }),
  z.object({ type: z.literal('error'), id, error: wireError }),
  z.object({ type: z.literal('log'), level: z.enum(['error', 'warn', 'info', 'debug']), msg: z.string().max(16_384) })
])
export type AudioChildMessage = z.infer<typeof audioChildMessageSchema>
