/**
 * Image requests through an engine's OpenAI images API (LocalAI, stable-diffusion.cpp's server, any
 * OpenAI-compatible server with `/v1/images/*`): the job encoded for the engine's name of the model,
 * the answer read whole (bounded) and checked to be JSON; the engine's own 4xx passed on in OpenAI's shape.
 */
import { encodeImageJob, type ImageJob } from '../backends/index.js'
import type { HttpResult } from '../inference/http-result.js'
import { once } from '../protocols/translated.js'
import { callEngineWith, engineErrorResult, readJsonText, type UpstreamCall } from './upstream.js'

export async function serveImages(c: UpstreamCall, job: ImageJob, upstream: string): Promise<HttpResult> {
  const res = await callEngineWith(c, `/v1/images/${job.op}`, await encodeImageJob(job, upstream))
  const { value, text } = await readJsonText(c, res)
  if (res.statusCode >= 400) return engineErrorResult(res.statusCode, value)
  return { status: res.statusCode, headers: { 'content-type': 'application/json; charset=utf-8' }, body: once(text) }
}
