/**
 * An image request as a backend sends it on (`/images/generations` as JSON, `/images/edits` and
 * `/images/variations` as multipart): the validated fields and uploads, encoded for the backend's own
 * name of the model. The answer is always asked in base64: the node that took the client's request
 * makes its own URLs (specs/images.md), and GPT image models answer base64 only (they refuse the field).
 */
import type { ModelCapabilities } from '../../../native-runtime/src/index.js'

export type ImageOp = 'generations' | 'edits' | 'variations'

/** One uploaded file of an edit or variation. */
export interface ImageFile {
  /** Form field: `image` (edits may repeat it as `image[]`) or `mask`. */
  field: 'image' | 'image[]' | 'mask'
  name: string
  type: string
  bytes: Uint8Array
}

export interface ImageJob {
  op: ImageOp
  /** Validated fields other than `model` and the files (`prompt`, `n`, `size`, `quality`…). */
  fields: Record<string, string | number>
  files: ImageFile[]
}

/** GPT image models (`gpt-image-1`, `chatgpt-image-latest`) answer base64 and refuse `response_format`. */
export const answersBase64Only = (model: string): boolean => /(^|\/)(gpt-image|chatgpt-image)/.test(model)

/** The request body for the backend, naming the model as the backend knows it. */
export async function encodeImageJob(job: ImageJob, upstreamModel: string): Promise<{ body: Uint8Array; contentType: string }> {
  const fields: Record<string, string | number> = { ...job.fields, model: upstreamModel }
  if (answersBase64Only(upstreamModel)) delete fields.response_format
  else fields.response_format = 'b64_json'
  if (job.op === 'generations') return { body: new TextEncoder().encode(JSON.stringify(fields)), contentType: 'application/json' }
  const form = new FormData()
  for (const [k, v] of Object.entries(fields)) form.append(k, String(v))
  for (const f of job.files) form.append(f.field, new Blob([f.bytes as Uint8Array<ArrayBuffer>], { type: f.type }), f.name)
  // the platform's own multipart encoder (boundary and all)
  const encoded = new Response(form)
  return { body: new Uint8Array(await encoded.arrayBuffer()), contentType: encoded.headers.get('content-type') ?? 'multipart/form-data' }
}

/** Provider model ids (without their prefix) that name image models: OpenAI's DALL·E and GPT image models. */
export const PROVIDER_IMAGE_MODEL = /^(dall-e|gpt-image|chatgpt-image)/

/**
 * One catalog model's capabilities from its provider's (advertised by prefix): when the provider
 * generates images, its image models (by id) do that and nothing else, and its other models do not.
 * Every node reads adverts with this, so `/v1/models` and routing agree with the key holder.
 */
export function providerModelCapabilities(caps: ModelCapabilities, id: string): ModelCapabilities {
  if (!caps.imageGeneration) return caps
  if (PROVIDER_IMAGE_MODEL.test(id)) return { chat: false, completion: false, embeddings: false, tools: false, vision: false, imageGeneration: true }
  const { imageGeneration: _, ...rest } = caps
  return rest
}
