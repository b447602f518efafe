/** The page of `GET /v1/responses/{id}/input_items`: OpenAI's cursor list over a response's input. */
import type { StoredInputItem } from './schemas.js'

/** One page of input items: newest first unless `order` is `asc`, starting after the item `after`. */
export function inputItemsPage(items: readonly StoredInputItem[], q: { limit: number; order: 'asc' | 'desc'; after?: string }): { object: 'list'; data: StoredInputItem[]; first_id: string | null; last_id: string | null; has_more: boolean } {
  const ordered = q.order === 'asc' ? [...items] : [...items].reverse()
  const start = q.after === undefined ? 0 : ordered.findIndex((i) => i.id === q.after) + 1
  const data = ordered.slice(start, start + q.limit)
  return { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: start + q.limit < ordered.length }
}
