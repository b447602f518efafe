/**
 * `clock-offset`: three boxes, box2's clock 10 minutes ahead — a real offset through libfaketime
 * (`LD_PRELOAD` + `FAKETIME=+10m`, monotonic clocks left alone), so every `Date.now()` of that node
 * and its runtime child is off, as on a box whose NTP never ran.
 * - HLC ordering: key `hlc` created through box1, revoked through the skewed box2, then a key of the
 *   same name created through box3; every box must end with the old key refused, the new one accepted
 *   and the same key list.
 * - Key expiry: a key expiring 2 minutes from now (true time) must be accepted on every box.
 */
import { existsSync } from 'node:fs'
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { waitUntil } from '../../bench/agent-proc.js'
import { createKey, keyIds, keyStatus, revokeKey, startCluster, stopBoxes, type Box } from './boxes.js'
import { createLab } from './lab.js'
import type { LanRow } from './partition.js'

const LIBFAKETIME = ['/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1', '/usr/lib/faketime/libfaketime.so.1']
export const OFFSET = '+10m'

/** libfaketime's path, or undefined when the `faketime` package is missing. */
export function libfaketime(): string | undefined {
  return LIBFAKETIME.find((p) => existsSync(p))
}

/** Waits up to `ms` for `fn`; false (not a throw) when it does not hold, so the row can say which check failed. */
async function holds(fn: () => Promise<boolean>, ms: number, what: string): Promise<boolean> {
  return waitUntil(fn, ms, what, 100).then(
    () => true,
    () => false
  )
}

/** The boxes' log lines matching `re` (what each said about clocks), for the report. */
async function logLines(dir: string, re: RegExp): Promise<string[]> {
  const out: string[] = []
  for (const name of ['box1', 'box2', 'box3']) {
    const text = await readFile(join(dir, `${name}.log`), 'utf8').catch(() => '')
    out.push(...text.split('\n').filter((l) => re.test(l)).slice(0, 3).map((l) => `${name}: ${l.slice(0, 200)}`))
  }
  return out
}

export async function runClockOffset(o: { clusterKey: string }): Promise<LanRow> {
  const lib = libfaketime()
  if (!lib) throw new Error('needs libfaketime (apt-get install faketime)')
  const lab = createLab(3)
  const dir = await mkdtemp(join(tmpdir(), 'llmlb-clock-'))
  let boxes: Box[] = []
  try {
    const skew = { LD_PRELOAD: lib, FAKETIME: OFFSET, DONT_FAKE_MONOTONIC: '1' }
    const c = await startCluster(lab, dir, [{ models: [] }, { models: [], env: skew }, { models: [] }], o.clusterKey)
    boxes = c.boxes
    const key = c.key
    const [b1, b2, b3] = boxes as [Box, Box, Box]
    const problems: string[] = []
    const old = await createKey(b1, key, { name: 'hlc', scopes: ['inference', 'models:read'] })
    if (!(await holds(async () => (await Promise.all(boxes.map((b) => keyStatus(b, old.key)))).every((s) => s === 200), 15_000, 'hlc everywhere'))) problems.push('a key created on box1 never reached every box')
    await revokeKey(b2, key, old.id)
    if (!(await holds(async () => (await Promise.all(boxes.map((b) => keyStatus(b, old.key)))).every((s) => s === 401), 15_000, 'revoke everywhere'))) {
      problems.push(`revoked on the skewed box, still accepted on ${(await Promise.all(boxes.map(async (b) => ((await keyStatus(b, old.key)) === 200 ? b.name : '')))).filter(Boolean).join(', ')}`)
    }
    const renewed = await createKey(b3, key, { name: 'hlc', scopes: ['inference', 'models:read'] }).catch((err: unknown) => {
      problems.push(`recreating the key on box3 failed: ${(err as Error).message.slice(0, 120)}`)
      return undefined
    })
    if (renewed && !(await holds(async () => (await Promise.all(boxes.map((b) => keyStatus(b, renewed.key)))).every((s) => s === 200), 15_000, 'recreated everywhere'))) problems.push('the key recreated on box3 is not accepted everywhere')
    const lists = new Set(await Promise.all(boxes.map((b) => keyIds(b, key))))
    if (lists.size !== 1) problems.push(`key lists differ: ${[...lists].join(' | ')}`)
    const expiring = await createKey(b1, key, { name: 'expiring', scopes: ['inference', 'models:read'], expiresAt: Date.now() + 120_000 })
    const accepted = async (): Promise<string[]> => (await Promise.all(boxes.map(async (b) => ((await keyStatus(b, expiring.key)) === 200 ? b.name : '')))).filter(Boolean)
    if (!(await holds(async () => (await accepted()).length === 3, 15_000, 'expiring key everywhere'))) problems.push(`a key expiring in 2 min is accepted only on ${(await accepted()).join(', ') || 'no box'}`)
    return {
      scenario: `clock offset (box2 ${OFFSET}, libfaketime)`,
      requests: 0,
      failures: 0,
      worstMs: 0,
      serviceMs: 0,
      detectMs: null,
      healMs: null,
      flaps: 0,
      recordsLost: 0,
      failedStatuses: [],
      problems,
      notes: await logLines(dir, /clock/)
    }
  } finally {
    await stopBoxes(boxes)
    lab.close()
  }
}
