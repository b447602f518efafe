/**
 * A cluster-wide export: every node's matching records, merged newest first, streamed. Each node is
 * read in pages (`offset`/`limit`; deep offsets are cheap, query-plan.ts) and the pages are merged as
 * they are consumed, so memory holds one page per node. The window ends at the export's start
 * (`to`), so requests arriving meanwhile do not shift the pages.
 */
import type { HistoryRecord } from './history-record.js'
import { byTimeDesc } from './federation.js'

/** Records read from one node per request. */
export const EXPORT_PAGE = 1000

/** One node's records, newest first, a page at a time. */
export interface RecordSource {
  name: string
  page(offset: number, limit: number): Promise<HistoryRecord[]>
}

interface Cursor {
  source: RecordSource
  buf: HistoryRecord[]
  offset: number
  done: boolean
}

async function refill(c: Cursor, pageSize: number): Promise<void> {
  if (c.done || c.buf.length > 0) return
  const page = await c.source.page(c.offset, pageSize)
  c.offset += page.length
  c.buf = page
  if (page.length < pageSize) c.done = true
}

/**
 * Opens every source (first page of each, in parallel). Sources that fail here are left out and
 * named in `failed`; `records` then merges the others. A source failing later ends early (`onError`).
 */
export async function openClusterExport(
  sources: readonly RecordSource[],
  options: { pageSize?: number; onError?: (source: string, err: unknown) => void } = {}
): Promise<{ answered: string[]; failed: { node: string; error: string }[]; records: AsyncGenerator<HistoryRecord> }> {
  const pageSize = options.pageSize ?? EXPORT_PAGE
  const cursors: Cursor[] = sources.map((source) => ({ source, buf: [], offset: 0, done: false }))
  const failed: { node: string; error: string }[] = []
  await Promise.all(
    cursors.map(async (c) => {
      try {
        await refill(c, pageSize)
      } catch (err) {
        c.done = true
        c.buf = []
        failed.push({ node: c.source.name, error: (err as Error).message })
      }
    })
  )
  const live = cursors.filter((c) => !failed.some((f) => f.node === c.source.name))
  async function* records(): AsyncGenerator<HistoryRecord> {
    for (;;) {
      let best: Cursor | undefined
      for (const c of live) {
        const head = c.buf[0]
        if (head && (!best || byTimeDesc(head, best.buf[0] as HistoryRecord) < 0)) best = c
      }
      if (!best) return
      yield best.buf.shift() as HistoryRecord
      try {
        await refill(best, pageSize)
      } catch (err) {
        best.done = true
        options.onError?.(best.source.name, err)
      }
    }
  }
  return { answered: live.map((c) => c.source.name), failed, records: records() }
}
