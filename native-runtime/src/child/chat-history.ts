/**
 * Maps the runtime's chat messages (OpenAI-shaped: assistant `toolCalls`, `tool` results) onto
 * node-llama-cpp's chat history, whose model turns hold text and function calls with their results, so
 * the model's own chat wrapper renders calls and results in the model's own syntax.
 */
import type { ChatHistoryItem, ChatModelFunctionCall, ChatModelFunctions, ChatModelResponse } from 'node-llama-cpp'
import type { ChatMessage, ToolDefinition } from '../interfaces.js'

const parsed = (text: string): unknown => {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return text
  }
}

/**
 * `developer` is a system message. A `tool` message fills in the result of the call it answers (by
 * `toolCallId`, else the first call still without one); an assistant message right after tool results
 * continues the same model turn, as the template renders it. Unless the conversation ends with the
 * assistant (a prefill to continue) or with tool results (the model answers them in its open turn), an
 * empty model turn asks for the reply.
 */
export function toChatHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = []
  /** The model turn that tool results attach to, while only tool results followed it. */
  let open: ChatModelResponse | null = null
  const pending: { id: string; call: ChatModelFunctionCall }[] = []
  for (const m of messages) {
    if (m.role === 'tool') {
      const i = Math.max(0, pending.findIndex((p) => p.id === m.toolCallId))
      const slot = pending.splice(i, 1)[0]
      if (slot && open) slot.call.result = parsed(m.content)
      else history.push({ type: 'user', text: m.content })
      continue
    }
    if (m.role === 'assistant') {
      const turn: ChatModelResponse = open ?? { type: 'model', response: [] }
      if (open === null) history.push(turn)
      if (m.content !== '') turn.response.push(m.content)
      for (const [k, c] of (m.toolCalls ?? []).entries()) {
        const call: ChatModelFunctionCall = { type: 'functionCall', name: c.name, params: parsed(c.arguments), result: '', ...(k === 0 ? { startsNewChunk: true } : {}) }
        turn.response.push(call)
        pending.push({ id: c.id, call })
      }
      open = (m.toolCalls?.length ?? 0) > 0 ? turn : null
      continue
    }
    open = null
    pending.length = 0
    history.push(m.role === 'user' ? { type: 'user', text: m.content } : { type: 'system', text: m.content })
  }
  const last = messages[messages.length - 1]?.role
  const answered = last === 'tool' && history[history.length - 1]?.type === 'model'
  if (last !== 'assistant' && !answered) history.push({ type: 'model', response: [] })
  return history
}

/** Tools as node-llama-cpp's function definitions (the template receives them as OpenAI `tools`). */
export function toChatFunctions(tools: readonly ToolDefinition[]): ChatModelFunctions {
  const out: Record<string, ChatModelFunctions[string]> = {}
  for (const t of tools) {
    out[t.name] = {
      ...(t.description === undefined ? {} : { description: t.description }),
      ...(t.parameters === undefined ? {} : { params: t.parameters as ChatModelFunctions[string]['params'] })
    }
  }
  return out
}
