/** Totals per group under the chart: the same numbers, readable without the picture. */
import { For } from 'solid-js'
import type { TokenStatsRow } from '../../api/types.js'
import { formatInteger } from '../../lib/format.js'

export function StatsTable(props: { rows: TokenStatsRow[]; groupLabel: string }) {
  const totals = () => {
    const m = new Map<string, { input: number; output: number; requests: number; errors: number }>()
    for (const r of props.rows) {
      const g = r.group ?? '(none)'
      const t = m.get(g) ?? { input: 0, output: 0, requests: 0, errors: 0 }
      t.input += r.inputTokens
      t.output += r.outputTokens
      t.requests += r.requests
      t.errors += r.errors ?? 0
      m.set(g, t)
    }
    return [...m.entries()].sort((a, b) => b[1].input + b[1].output - (a[1].input + a[1].output))
  }
  return (
    <div class="table-wrap">
      <table class="table" data-testid="stats-table">
        <thead>
          <tr>
            <th>{props.groupLabel}</th>
            <th class="num">Requests</th>
            <th class="num">Failed</th>
            <th class="num">Input tokens</th>
            <th class="num">Output tokens</th>
            <th class="num">Total</th>
          </tr>
        </thead>
        <tbody>
          <For each={totals()}>
            {([group, t]) => (
              <tr>
                <td class="mono">{group || '(none)'}</td>
                <td class="num">{formatInteger(t.requests)}</td>
                <td class="num">{t.errors > 0 ? formatInteger(t.errors) : '—'}</td>
                <td class="num">{formatInteger(t.input)}</td>
                <td class="num">{formatInteger(t.output)}</td>
                <td class="num">{formatInteger(t.input + t.output)}</td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
    </div>
  )
}
