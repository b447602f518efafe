export type { BackendApi, BackendModel, BackendOutcome, ModelBackend } from './model-backend.js'
export { BackendUnavailableError } from './model-backend.js'
export { BackendRegistry } from './registry.js'
export { answersBase64Only, encodeImageJob, providerModelCapabilities, type ImageFile, type ImageJob, type ImageOp } from './image-job.js'
