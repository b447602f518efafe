/** Wire and storage types of engines (zod is the one source). */
import { z } from 'zod'

/** What an engine is, as detected from its own endpoints (specs/engines.md). */
export const ENGINE_KINDS = ['ollama', 'lmstudio', 'sglang', 'llamacpp', 'vllm', 'sdcpp', 'openai'] as const
export const EngineKindSchema = z.enum(ENGINE_KINDS)
export type EngineKind = z.infer<typeof EngineKindSchema>

/** POST /api/engines. */
export const AddEngineBodySchema = z.strictObject({
  /** Base URL of the engine (`http://127.0.0.1:11434`; a trailing `/v1` is dropped). */
  url: z.string().min(1).max(2048),
  /** Sent to the engine as `Authorization: Bearer …`; kept on this node, encrypted, never returned. */
  apiKey: z.string().min(1).max(4096).optional(),
  /** Skip detection and treat the engine as this kind. */
  kind: EngineKindSchema.optional(),
  /** Requests sent to the engine at once (default: what it reports, else 4). */
  slots: z.number().int().min(1).max(1024).optional(),
  /** Ids of the engine's models that generate images (`/v1/images/*`), for engines whose model list does not say. */
  imageModels: z.array(z.string().min(1).max(256)).max(256).optional()
})
export type AddEngineBody = z.infer<typeof AddEngineBodySchema>

/** One registration as stored in LMDB (`<data-dir>/engines`). */
export const EngineRecordSchema = z.object({
  id: z.string(),
  url: z.string(),
  kind: EngineKindSchema,
  slots: z.number().int().positive().optional(),
  /** The API key, AES-256-GCM with this node's engine secret (iv.tag.ciphertext, base64url). */
  keyCipher: z.string().optional(),
  /** Models served as image models (AddEngineBody.imageModels). */
  imageModels: z.array(z.string()).optional(),
  addedAt: z.number()
})
export type EngineRecord = z.infer<typeof EngineRecordSchema>
