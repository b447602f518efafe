/**
 * `llmlb engines list | add | rm` against a running node (see credentials.ts for how the node is
 * found). Exit codes: 0 ok, 1 node unreachable, 2 refused (not an engine, address not allowed…).
 */
import type { EngineView } from '../engines/index.js'
import { callOrExit, refuseAndExit, targetOrExit, type ClientFlags } from './credentials.js'

export interface EngineAddFlags extends ClientFlags {
  key?: string
  kind?: string
  slots?: string
  /** Comma-separated ids of image models. */
  imageModels?: string
  json?: boolean
}

const out = (s: string): boolean => process.stdout.write(s + '\n')

/** Detection probes several endpoints, each bounded (engines/engine-http.ts). */
const ADD_TIMEOUT_MS = 30_000

function row(e: EngineView): string {
  const models = e.models.map((m) => m.id).join(',') || '-'
  const load = `${e.slots.busy}/${e.slots.total}${e.load.waiting ? ` +${e.load.waiting}q` : ''}`
  return `${e.id.padEnd(13)} ${e.kind.padEnd(9)} ${e.health.padEnd(8)} ${load.padEnd(9)} ${e.url.padEnd(32)} ${models}`
}

export async function enginesListCommand(flags: ClientFlags & { json?: boolean }): Promise<void> {
  const t = await targetOrExit(flags)
  const res = await callOrExit(t, 'GET', '/api/engines')
  if (res.status !== 200) refuseAndExit(res.status, res.body)
  const list = (res.body as { data: EngineView[] }).data
  if (flags.json) return void out(JSON.stringify(list, null, 2))
  if (list.length === 0) return void out('no engines on this node (llmlb engines add URL)')
  out(`${'ID'.padEnd(13)} ${'KIND'.padEnd(9)} ${'HEALTH'.padEnd(8)} ${'LOAD'.padEnd(9)} ${'URL'.padEnd(32)} MODELS`)
  for (const e of list) out(row(e))
}

export async function enginesAddCommand(url: string, flags: EngineAddFlags): Promise<void> {
  const t = await targetOrExit(flags)
  const body = { url, ...(flags.key ? { apiKey: flags.key } : {}), ...(flags.kind ? { kind: flags.kind } : {}), ...(flags.slots ? { slots: Number.parseInt(flags.slots, 10) } : {}), ...(flags.imageModels ? { imageModels: flags.imageModels.split(',').map((s) => s.trim()).filter(Boolean) } : {}) }
  const res = await callOrExit(t, 'POST', '/api/engines', body, ADD_TIMEOUT_MS)
  if (res.status !== 201) refuseAndExit(res.status, res.body)
  const e = (res.body as { engine: EngineView }).engine
  if (flags.json) return void out(JSON.stringify(e, null, 2))
  out(`added ${e.kind} engine ${e.id} at ${e.url}: ${e.models.length} model(s)${e.models.length ? ` (${e.models.map((m) => m.id).join(', ')})` : ''}`)
}

export async function enginesRmCommand(idOrUrl: string, flags: ClientFlags): Promise<void> {
  const t = await targetOrExit(flags)
  let id = idOrUrl
  if (idOrUrl.includes('://')) {
    const res = await callOrExit(t, 'GET', '/api/engines')
    if (res.status !== 200) refuseAndExit(res.status, res.body)
    const want = idOrUrl.replace(/\/+$/, '').replace(/\/v1$/, '')
    id = (res.body as { data: EngineView[] }).data.find((e) => e.url === want)?.id ?? idOrUrl
  }
  const res = await callOrExit(t, 'DELETE', `/api/engines/${encodeURIComponent(id)}`)
  if (res.status !== 200) refuseAndExit(res.status, res.body)
  out(`removed engine ${id}`)
}
