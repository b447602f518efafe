/**
 * Wire and storage shapes of the model store: a stored model's record (metadata read from its GGUF
 * header) and the state of a pull. zod is their single source; the LMDB store safeParses what it reads.
 */
import { z } from 'zod'
import { modelCapabilitiesSchema } from '../../../native-runtime/src/index.js'

/** Where a stored model came from. */
export const ModelSourceSchema = z.discriminatedUnion('kind', [
  /** A `--model` file or a `*.gguf` found in the models dir: llmlb does not own the file. */
  z.object({ kind: z.literal('local') }),
  /** Pulled from a Hugging Face hub: llmlb owns the files (`llmlb models rm` deletes them). */
  z.object({ kind: z.literal('hf'), repo: z.string(), revision: z.string(), endpoint: z.string() })
])
export type ModelSource = z.infer<typeof ModelSourceSchema>

/** One stored model: its files and what its GGUF header says. */
export const ModelRecordSchema = z.object({
  /** Model id clients use (file name without `.gguf`; split files without `-0000i-of-0000N`). */
  id: z.string().min(1).max(256),
  /** Absolute path of the GGUF to load (the first part of a split model). */
  path: z.string(),
  /** Every file of the model (all parts of a split model, the projector), absolute paths. */
  files: z.array(z.string()),
  /** Multimodal projector (`mmproj*.gguf`) of a vision model, absolute path. */
  mmproj: z.string().nullable(),
  architecture: z.string(),
  /** Parameter count (sum of tensor element counts). */
  parameters: z.number().int().nonnegative(),
  /** Trained context length (tokens). */
  contextLength: z.number().int().nonnegative(),
  /** e.g. `Q4_K_M`, `F32`; from `general.file_type`, else the file name. */
  quantization: z.string(),
  /** `tokenizer.chat_template` of the GGUF, null when it has none (the runtime's fallback applies). */
  chatTemplate: z.string().nullable(),
  capabilities: modelCapabilitiesSchema,
  /** KV cache bytes per token of context (f16 keys and values of every layer), for the memory estimate. */
  kvBytesPerToken: z.number().nonnegative().default(0),
  /** Bytes of every file together. */
  sizeBytes: z.number().int().nonnegative(),
  /** SHA-256 (hex) of the GGUF at `path`; split models list every part's in `fileHashes`. */
  sha256: z.string(),
  fileHashes: z.record(z.string(), z.string()),
  source: ModelSourceSchema,
  /** When it was registered (ms since epoch). */
  addedAt: z.number()
})
export type ModelRecord = z.infer<typeof ModelRecordSchema>

export const PULL_STATES = ['queued', 'downloading', 'verifying', 'done', 'failed'] as const

/** One file of a pull, with its progress. */
export const PullFileSchema = z.object({
  /** Path inside the repo. */
  name: z.string(),
  /** Expected size (bytes), from the tree listing. */
  size: z.number().int().nonnegative(),
  /** Expected SHA-256 (hex), from the LFS pointer in the tree listing. */
  sha256: z.string(),
  /** Bytes on disk so far. */
  received: z.number().int().nonnegative()
})
export type PullFile = z.infer<typeof PullFileSchema>

/** A pull of one model onto this node: persisted until done, so a restarted node resumes it. */
export const PullRecordSchema = z.object({
  /** `<repo>@<revision>:<first file>`: two requests for the same files are the same pull. */
  id: z.string(),
  modelId: z.string(),
  repo: z.string(),
  revision: z.string(),
  endpoint: z.string(),
  /** Requested quantization and the one chosen, with why. */
  quant: z.string().nullable(),
  choice: z.string(),
  files: z.array(PullFileSchema),
  mmproj: z.string().nullable(),
  state: z.enum(PULL_STATES),
  error: z.string().nullable(),
  /** Download rate over the last seconds (bytes/s). */
  bytesPerSecond: z.number().nonnegative(),
  startedAt: z.number(),
  updatedAt: z.number()
})
export type PullRecord = z.infer<typeof PullRecordSchema>

/** Body of `POST /api/models/pull`. */
export const PullBodySchema = z
  .object({
    /** `https://huggingface.co/org/repo[/blob/main/file.gguf]`, `org/repo[:quant]` or `org/repo/file.gguf`. */
    source: z.string().min(3).max(1024),
    /** Quantization wanted (default from the source, else `Q4_K_M`). */
    quant: z.string().min(1).max(32).optional(),
    /** Pull onto these nodes (names) instead of this one. */
    nodes: z.array(z.string().min(1).max(128)).max(256).optional(),
    /** Pull onto every alive node of the cluster. */
    all: z.boolean().optional()
  })
  .strict()
export type PullBody = z.infer<typeof PullBodySchema>
