/**
 * OpenAI's images API as an image engine answers it (platform.openai.com/docs/api-reference/images;
 * LocalAI and stable-diffusion.cpp's server serve the same paths): `POST /v1/images/generations`
 * (JSON), `/v1/images/edits` and `/v1/images/variations` (multipart: `image` or `image[]`, `mask`,
 * `prompt`, `n`, `size`, `response_format`). Answers `{created, data: [{b64_json, revised_prompt?}]}`
 * with real 4×4 PNGs. GPT image models refuse `response_format` (they always answer base64), as
 * OpenAI's do; `url` is refused by this mock (llmlb always asks for base64 and makes its own URLs).
 */
import type { ServerResponse } from 'node:http'
import { json, type Handler, type MockModel } from './server.js'
import { PNG_SIGNATURE, tinyPng } from './png.js'

const SIZES = new Set(['auto', '256x256', '512x512', '1024x1024', '1536x1024', '1024x1536', '1792x1024', '1024x1792'])

const invalid = (res: ServerResponse, message: string, param: string | null, code: string | null = null): void => json(res, 400, { error: { message, type: 'invalid_request_error', param, code } })

type Fields = Record<string, string>

/** Checks the fields every image request shares; answers the error and returns false when one is bad. */
function checked(res: ServerResponse, models: MockModel[], f: Fields, needsPrompt: boolean): MockModel | undefined {
  const m = models.find((x) => x.id === f.model)
  if (!m) return void json(res, 404, { error: { message: `The model '${f.model ?? ''}' does not exist.`, type: 'invalid_request_error', param: 'model', code: 'model_not_found' } })
  if (m.type !== 'image') return void invalid(res, `The model '${m.id}' does not generate images.`, 'model')
  if (needsPrompt && !f.prompt) return void invalid(res, "Missing required parameter: 'prompt'.", 'prompt', 'missing_required_parameter')
  const n = f.n === undefined ? 1 : Number(f.n)
  if (!Number.isInteger(n) || n < 1 || n > 10) return void invalid(res, `Invalid 'n': must be between 1 and 10.`, 'n')
  if (f.size !== undefined && !SIZES.has(f.size)) return void invalid(res, `Invalid 'size': '${f.size}'.`, 'size')
  if (f.response_format !== undefined && m.id.startsWith('gpt-image')) return void invalid(res, "Unknown parameter: 'response_format'.", 'response_format', 'unknown_parameter')
  if (f.response_format === 'url') return void invalid(res, 'This engine answers b64_json only.', 'response_format')
  return m
}

function answer(res: ServerResponse, m: MockModel, f: Fields, seed: string): void {
  const n = f.n === undefined ? 1 : Number(f.n)
  const data = Array.from({ length: n }, (_, i) => ({ b64_json: tinyPng(`${seed}#${i}`).toString('base64'), ...(m.id.startsWith('dall-e-3') ? { revised_prompt: `${f.prompt ?? ''}, in detail` } : {}) }))
  json(res, 200, { created: Math.floor(Date.now() / 1000), data, ...(m.id.startsWith('gpt-image') ? { usage: { input_tokens: 10, output_tokens: 100 * n, total_tokens: 10 + 100 * n, input_tokens_details: { text_tokens: 10, image_tokens: 0 } } } : {}) })
}

/** A multipart body's text fields and files, parsed by the platform's own parser. */
async function formOf(raw: Buffer, contentType: string): Promise<{ fields: Fields; files: Map<string, Uint8Array[]> } | undefined> {
  try {
    const form = await new Request('http://mock.invalid/', { method: 'POST', body: new Uint8Array(raw), headers: { 'content-type': contentType } }).formData()
    const fields: Fields = {}
    const files = new Map<string, Uint8Array[]>()
    for (const [k, v] of form.entries()) {
      if (typeof v === 'string') fields[k] = v
      else files.set(k.replace(/\[\]$/, ''), [...(files.get(k.replace(/\[\]$/, '')) ?? []), new Uint8Array(await v.arrayBuffer())])
    }
    return { fields, files }
  } catch {
    return undefined
  }
}

const isPng = (b: Uint8Array): boolean => Buffer.from(b.subarray(0, 8)).equals(PNG_SIGNATURE)

export function openAiImageRoutes(models: MockModel[]): Record<string, Handler> {
  const upload = (op: 'edits' | 'variations'): Handler => async (req, res, _body, raw) => {
    const form = await formOf(raw, String(req.headers['content-type'] ?? ''))
    if (!form) return invalid(res, 'The request body must be multipart/form-data.', null)
    const m = checked(res, models, form.fields, op === 'edits')
    if (!m) return
    const images = form.files.get('image') ?? []
    if (images.length === 0) return invalid(res, "Missing required parameter: 'image'.", 'image', 'missing_required_parameter')
    if (!images.every(isPng)) return invalid(res, 'Invalid image file. Supported format: png.', 'image', 'invalid_image_format')
    const mask = form.files.get('mask')?.[0]
    if (mask && !isPng(mask)) return invalid(res, 'Invalid mask file. Supported format: png.', 'mask', 'invalid_image_format')
    answer(res, m, form.fields, `${op}:${form.fields.prompt ?? ''}:${images[0]?.length}`)
  }
  return {
    'POST /v1/images/generations': (_req, res, body) => {
      const fields = Object.fromEntries(Object.entries(body).map(([k, v]) => [k, String(v)]))
      const m = checked(res, models, fields, true)
      if (m) answer(res, m, fields, String(body.prompt))
    },
    'POST /v1/images/edits': upload('edits'),
    'POST /v1/images/variations': upload('variations')
  }
}
