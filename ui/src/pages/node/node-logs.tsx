/** The tail of a node's log with a level filter and a text search. */
import { For, Show } from 'solid-js'
import type { LogEntry } from '../../api/types.js'
import { formatTimestamp } from '../../lib/format.js'

/** pino's numeric levels, for agents that send numbers. */
const PINO_LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' }

export function levelName(level: string | number): string {
  return typeof level === 'number' ? (PINO_LEVELS[level] ?? String(level)) : level
}

export function NodeLogs(props: {
  entries: LogEntry[]
  level: string
  q: string
  onLevel: (level: string) => void
  onSearch: (q: string) => void
}) {
  return (
    <div class="logs">
      <div class="toolbar">
        <label>
          Level
          <select value={props.level} onChange={(e) => props.onLevel(e.currentTarget.value)}>
            <option value="">all</option>
            <option value="debug">debug+</option>
            <option value="info">info+</option>
            <option value="warn">warn+</option>
            <option value="error">error+</option>
          </select>
        </label>
        <label class="grow">
          Search
          <input type="search" value={props.q} placeholder="text in the message" onChange={(e) => props.onSearch(e.currentTarget.value)} />
        </label>
      </div>
      <Show when={props.entries.length > 0} fallback={<p class="muted">No log lines.</p>}>
        <ol class="log-lines" data-testid="log-lines">
          <For each={props.entries}>
            {(e) => (
              <li class={`log-${levelName(e.level)}`}>
                <span class="log-time">{formatTimestamp(e.time)}</span>
                <span class="log-level">{levelName(e.level)}</span>
                <span class="log-msg">{e.msg}</span>
              </li>
            )}
          </For>
        </ol>
      </Show>
    </div>
  )
}
