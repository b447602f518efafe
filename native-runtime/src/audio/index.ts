/** Public surface of the audio runtime: the supervisor, its wire types, the tiny whisper generator. */
export { AudioRuntime, AUDIO_CALL_TIMEOUT_MS, type AudioRuntimeInit } from './audio-runtime.js'
export type { Transcript, TranscriptSegment, TranscribeOptions } from './protocol.js'
export { buildTinyWhisper, writeTinyWhisper, WHISPER_GGML_MAGIC, type TinyWhisperOptions } from './tiny-whisper.js'
export { isWhisperModel } from './whisper-file.js'
export { buildTinyTtsOnnx, tinyTtsTokens, writeTinyTts, type TinyTtsOptions } from './tiny-tts.js'
export { OPENAI_VOICES, speakerOf, voicesOf } from './voices.js'
export type { SpeechStream } from './audio-runtime.js'
export type { AudioEngine } from './protocol.js'
