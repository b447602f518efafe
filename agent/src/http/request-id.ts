/** Request ids: a client's `x-request-id` is kept when it is sane, otherwise one is generated. */
import { randomUUID } from 'node:crypto'

const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/

export function requestIdFrom(header: string | string[] | undefined): string {
  const v = Array.isArray(header) ? header[0] : header
  return v && SANE_ID.test(v) ? v : randomUUID()
}
