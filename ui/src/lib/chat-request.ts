/**
 * The playground's request body, built from its form and the conversation so far. Shared by the
 * send button and "copy as curl", so the command repeats exactly what was sent.
 */
import type { ChatContentPart, ChatMessage, ChatRequest } from '../api/types.js'

export interface PlaygroundSettings {
  model: string
  system: string
  /** null: the model's default. */
  temperature: number | null
  /** null: no limit beyond the context. */
  maxTokens: number | null
}

export interface ChatTurn {
  role: 'user' | 'assistant'
  text: string
  /** A data: URL (user turns of vision models only). */
  image?: string | null
}

export function buildChatRequest(settings: PlaygroundSettings, turns: readonly ChatTurn[]): ChatRequest {
  const messages: ChatMessage[] = []
  if (settings.system.trim()) messages.push({ role: 'system', content: settings.system })
  for (const t of turns) {
    if (t.role === 'user' && t.image) {
      const parts: ChatContentPart[] = []
      if (t.text) parts.push({ type: 'text', text: t.text })
      parts.push({ type: 'image_url', image_url: { url: t.image } })
      messages.push({ role: 'user', content: parts })
    } else {
      messages.push({ role: t.role, content: t.text })
    }
  }
  const body: ChatRequest = { model: settings.model, messages, stream: true, stream_options: { include_usage: true } }
  if (settings.temperature !== null && Number.isFinite(settings.temperature)) body.temperature = settings.temperature
  if (settings.maxTokens !== null && Number.isFinite(settings.maxTokens) && settings.maxTokens > 0) body.max_tokens = Math.floor(settings.maxTokens)
  return body
}

/** Shortens data: URLs for display ("data:image/png;base64,… (12 KiB)"), leaving other strings. */
export function elideDataUrl(url: string, maxLength = 48): string {
  if (!url.startsWith('data:') || url.length <= maxLength) return url
  const comma = url.indexOf(',')
  return `${url.slice(0, comma + 1)}… (${Math.round(((url.length - comma) * 3) / 4 / 1024)} KiB)`
}
