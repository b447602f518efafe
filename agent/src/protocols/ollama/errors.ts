/**
 * Ollama's error shape, `{"error": "<message>"}` — a string, which Ollama clients show as it is — with
 * the status we would answer (Ollama's own: 400 bad request, 404 unknown model, 5xx server side).
 */
import type { OpenAiErrorBody } from '../../errors/render.js'

/** The Ollama status and body of an error we would answer with OpenAI's `status` and `body`. */
export function ollamaErrorOf(status: number, body: OpenAiErrorBody): { status: number; body: { error: string } } {
  return { status, body: { error: body.error.message } }
}
