/** The turns so far; each answer shows where it was served and why, and its timings. */
import { For, Match, Show, Switch } from 'solid-js'
import { formatDuration, formatInteger } from '../../lib/format.js'
import type { AnswerTurn, Turn } from '../../stores/playground.js'

export function Conversation(props: { turns: Turn[] }) {
  return (
    <ol class="conversation" data-testid="conversation">
      <For each={props.turns}>
        {(t) => (
          <Switch>
            <Match when={t.role === 'user'}>
              <li class="turn turn-user">
                <Show when={t.image}>
                  <img class="turn-image" src={t.image ?? ''} alt="attached" />
                </Show>
                <p>{t.text}</p>
              </li>
            </Match>
            <Match when={t.role === 'assistant'}>
              <Answer turn={t as AnswerTurn} />
            </Match>
          </Switch>
        )}
      </For>
    </ol>
  )
}

function Answer(props: { turn: AnswerTurn }) {
  return (
    <li class="turn turn-assistant" data-testid="playground-answer">
      <div class="answer-text" data-testid="playground-output" aria-live="polite">
        {props.turn.text}
        <Show when={!props.turn.answer.done}>
          <span class="cursor" aria-hidden="true" />
        </Show>
      </div>
      <Show when={props.turn.answer.error}>
        <p class="note note-bad" data-testid="playground-error">
          {props.turn.answer.error}
        </p>
      </Show>
      <footer class="answer-meta muted small">
        <Show when={props.turn.route}>
          {(r) => (
            <>
              <span>
                served by <strong data-testid="served-by">{r().servedBy ?? '?'}</strong>
              </span>
              <span data-testid="route-reason">
                {r().route ?? ''}
                {r().reason ? ` · ${r().reason}` : ''}
                {r().hops ? ` · ${r().hops} hop(s)` : ''}
              </span>
            </>
          )}
        </Show>
        <Show when={props.turn.ttftMs !== null}>
          <span>first token {formatDuration(props.turn.ttftMs)}</span>
        </Show>
        <Show when={props.turn.durationMs !== null}>
          <span>total {formatDuration(props.turn.durationMs)}</span>
        </Show>
        <Show when={props.turn.answer.completionTokens !== null}>
          <span>
            {formatInteger(props.turn.answer.promptTokens)} in · {formatInteger(props.turn.answer.completionTokens)} out
          </span>
        </Show>
        <Show when={props.turn.answer.finishReason}>
          <span>finish: {props.turn.answer.finishReason}</span>
        </Show>
      </footer>
    </li>
  )
}
