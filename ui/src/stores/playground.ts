/**
 * The playground's conversation: settings, turns, and the answer being streamed. Each assistant
 * turn keeps where it was served (`x-llmlb-served-by`, `x-llmlb-route-reason`) and its timings.
 */
import { batch } from 'solid-js'
import { createStore, produce } from 'solid-js/store'
import type { ApiClient } from '../api/client.js'
import { messageOf } from '../api/errors.js'
import type { RouteInfo } from '../api/types.js'
import { buildChatRequest, type ChatTurn, type PlaygroundSettings } from '../lib/chat-request.js'
import { EMPTY_ANSWER, foldChatEvent, type ChatAnswer } from '../lib/chat-stream.js'
import { createStoreContext } from './context.js'

export interface AnswerTurn extends ChatTurn {
  role: 'assistant'
  answer: ChatAnswer
  route: RouteInfo | null
  /** Time to first token and total time (ms). */
  ttftMs: number | null
  durationMs: number | null
}

export type Turn = (ChatTurn & { role: 'user' }) | AnswerTurn

export interface PlaygroundState {
  settings: PlaygroundSettings
  turns: Turn[]
  running: boolean
  error: string | null
}

export function createPlaygroundStore(api: Pick<ApiClient, 'chat'>, init: { now?: () => number } = {}) {
  const now = init.now ?? (() => performance.now())
  const [state, setState] = createStore<PlaygroundState>({
    settings: { model: '', system: '', temperature: 0.7, maxTokens: 512 },
    turns: [],
    running: false,
    error: null
  })
  let controller: AbortController | null = null

  const asChatTurns = (turns: readonly Turn[]): ChatTurn[] =>
    turns.filter((t) => t.role === 'user' || (!t.answer.error && t.text)).map((t) => ({ role: t.role, text: t.text, image: t.image ?? null }))

  return {
    state,
    setSettings: (patch: Partial<PlaygroundSettings>) => setState('settings', patch),
    /** The request body `send(prompt, image)` would post (for "copy as curl"). */
    requestFor: (prompt: string, image: string | null) =>
      buildChatRequest(state.settings, [...asChatTurns(state.turns), { role: 'user', text: prompt, image }]),
    /** Sends a user message and streams the answer into a new assistant turn. */
    async send(prompt: string, image: string | null = null): Promise<void> {
      if (state.running || !state.settings.model) return
      const body = buildChatRequest(state.settings, [...asChatTurns(state.turns), { role: 'user', text: prompt, image }])
      const index = state.turns.length + 1
      batch(() => {
        setState('turns', (t) => [
          ...t,
          { role: 'user', text: prompt, image },
          { role: 'assistant', text: '', answer: EMPTY_ANSWER, route: null, ttftMs: null, durationMs: null }
        ])
        setState({ running: true, error: null })
      })
      const ctrl = new AbortController()
      controller = ctrl
      const started = now()
      const update = (fn: (t: AnswerTurn) => void): void => {
        // the conversation may have been cleared while this answer streamed
        if (state.turns[index]?.role === 'assistant') setState('turns', index, produce((t) => fn(t as AnswerTurn)))
      }
      try {
        const stream = await api.chat.stream(body, ctrl.signal)
        update((t) => (t.route = stream.route))
        for await (const ev of stream.events) {
          update((t) => {
            if (ev.type === 'delta' && t.ttftMs === null) t.ttftMs = now() - started
            t.answer = foldChatEvent(t.answer, ev)
            t.text = t.answer.text
          })
          if (ev.type === 'done' || ev.type === 'error') break
        }
      } catch (err) {
        if (!ctrl.signal.aborted) update((t) => (t.answer = { ...t.answer, error: messageOf(err), done: true }))
      } finally {
        update((t) => {
          t.durationMs = now() - started
          if (ctrl.signal.aborted && !t.answer.done) t.answer = { ...t.answer, error: 'Stopped', done: true }
          else if (!t.answer.done) t.answer = { ...t.answer, done: true }
        })
        if (controller === ctrl) controller = null
        setState('running', false)
      }
    },
    /** Aborts the answer being streamed (the agent frees the slot). */
    stop(): void {
      controller?.abort()
    },
    clear(): void {
      controller?.abort()
      setState('turns', [])
    }
  }
}

export type PlaygroundStore = ReturnType<typeof createPlaygroundStore>

const ctx = createStoreContext<PlaygroundStore>('Playground')
export const PlaygroundProvider = ctx.Provider
export const usePlayground = ctx.use
