/**
 * Cloud providers behind `openai:`, `anthropic:`, `google:` and a configurable OpenAI-compatible
 * prefix: their keys (sealed in the control plane), the backends that serve them on this node, and
 * the translation of OpenAI chat requests to Anthropic Messages and Gemini and back. See specs/clouds.md.
 */
export { CloudManager, type CloudsConfig, type LocalProviderConfig } from './cloud-manager.js'
export { CloudKeyStore, CLOUD_KEY_PREFIX, SetCloudKeyBodySchema, type CloudKeyRecord } from './key-store.js'
export { sealingKey } from './key-seal.js'
export { CloudBackend } from './cloud-backend.js'
export { ProviderCatalog } from './catalog.js'
export { PROVIDER_KINDS, ProviderKindSchema, DEFAULT_BASE_URLS, type ProviderKind, type ProviderSettings, type PublicProvider } from './providers.js'
export { ProviderFailedError } from './provider-errors.js'
export { anthropicRequestOf } from './anthropic/request.js'
export { anthropicChunks } from './anthropic/stream.js'
export { geminiRequestOf } from './google/request.js'
export { geminiChunks } from './google/stream.js'
export { sseEvents } from './sse.js'
