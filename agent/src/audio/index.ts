/** Public surface of the audio APIs: the service, the routes, WAV helpers (tests, benchmarks). */
export { AudioService, AUDIO_PATHS, AUDIO_UPLOAD_PATHS, SPEECH_PATH, type AudioTask } from './audio-service.js'
export { audioRoutes } from './routes.js'
export { decodeWav, encodeWav, toWhisperPcm, wavToWhisperPcm, wavToWhisperPcmBytes } from './wav.js'
export { sniffFormat } from './decode.js'
export { loadAudioModels, withAudioModels } from './audio-models.js'
