/**
 * `partition`: five boxes split 2 + 3 by iptables DROP rules, held, then healed.
 * Placement: box1 and box5 hold `part-both`, box2 alone holds `part-a`, box4 alone holds `part-b`;
 * box1 is side A's ingress, box3 (no model) side B's. While split, each ingress must serve what its
 * side holds and answer 404/503 only for the model that lives solely on the other side. A control-plane
 * write on each side during the split (key `k1` revoked on side A, `k2` created on side B) must reach
 * all five boxes within 5 s of the heal, with neither write lost (checked through every box's admin API).
 */
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { waitUntil } from '../../bench/agent-proc.js'
import type { ScenarioRow } from '../cluster-scenarios.js'
import { aliveOf, chat, createKey, keyIds, keyStatus, recordsLost, revokeKey, startCluster, stopBoxes, watchViews, type Box, type Sent } from './boxes.js'
import { createLab } from './lab.js'
import { extraTransitions, median, servedCounts } from './measure.js'

export interface LanRow extends ScenarioRow {
  /** Correctness checks that failed (empty when all held). */
  problems: string[]
  /** Lines printed under the row (where requests were served, what was waited for). */
  notes: string[]
}

const A = [1, 2]
const B = [3, 4, 5]
const names = (xs: number[]): string[] => xs.map((i) => `box${i}`)

export async function runPartition(o: { holdRounds: number; clusterKey: string }): Promise<LanRow> {
  const lab = createLab(5)
  const dir = await mkdtemp(join(tmpdir(), 'llmlb-partition-'))
  let boxes: Box[] = []
  try {
    const c = await startCluster(lab, dir, [{ models: ['part-both'] }, { models: ['part-a'] }, { models: [] }, { models: ['part-b'] }, { models: ['part-both'] }], o.clusterKey)
    boxes = c.boxes
    const key = c.key
    const box = (i: number): Box => boxes[i - 1] as Box
    const k1 = await createKey(box(1), key, { name: 'k1', scopes: ['inference', 'models:read'] })
    for (const b of boxes) await waitUntil(async () => (await keyStatus(b, k1.key)) === 200, 30_000, `k1 on ${b.name}`, 100)
    const sent: Sent[] = []
    let n = 0
    // each ingress asks for its side's models (expect 200) and the other side's only model (404/503)
    const round = async (split: boolean): Promise<string[]> => {
      const bad: string[] = []
      const asks: [Box, string, boolean][] = [
        [box(1), 'part-a', true],
        [box(1), 'part-both', true],
        [box(1), 'part-b', !split],
        [box(3), 'part-b', true],
        [box(3), 'part-both', true],
        [box(3), 'part-a', !split]
      ]
      for (const [ingress, model, served] of asks) {
        const s = await chat(ingress, key, model, `partition-${n++}`)
        sent.push(s)
        const ok = served ? s.status === 200 : s.status === 404 || s.status === 503
        if (!ok) bad.push(`${model} via ${ingress.name}: ${s.status}`)
        if (split && served && s.status === 200 && !names(ingress.i === 1 ? A : B).includes(s.servedBy ?? '')) bad.push(`${model} via ${ingress.name} served across the split by ${s.servedBy}`)
      }
      return bad
    }
    const problems: string[] = []
    problems.push(...(await round(false)))
    const serviceMs = median(sent.filter((s) => s.status === 200).map((s) => s.ms))
    const views = watchViews(boxes, key)
    const tSplit = performance.now()
    lab.partition(A, B)
    // detected: every box sees exactly its own side alive
    await Promise.all(
      boxes.map((b) => {
        const side = names(A.includes(b.i) ? A : B).sort().join(',')
        return waitUntil(async () => (await aliveOf(b, key)).join(',') === side, 30_000, `${b.name} sees only its side`, 100)
      })
    )
    const detectMs = performance.now() - tSplit
    const before = sent.length
    for (let r = 0; r < o.holdRounds; r++) problems.push(...(await round(true)))
    const duringSplit = sent.slice(before)
    // one write on each side: k1 revoked through box2, k2 created through box4
    await revokeKey(box(2), key, k1.id)
    const k2 = await createKey(box(4), key, { name: 'k2', scopes: ['inference', 'models:read'] })
    for (const i of A) await waitUntil(async () => (await keyStatus(box(i), k1.key)) === 401, 10_000, `k1 refused on box${i} (side A)`, 100)
    for (const i of B) await waitUntil(async () => (await keyStatus(box(i), k2.key)) === 200, 10_000, `k2 accepted on box${i} (side B)`, 100)
    for (const i of B) if ((await keyStatus(box(i), k1.key)) !== 200) problems.push(`k1 refused on box${i} before the heal (the revoke crossed the split)`)
    for (const i of A) if ((await keyStatus(box(i), k2.key)) !== 401) problems.push(`k2 known on box${i} before the heal (the create crossed the split)`)
    const tHeal = performance.now()
    lab.heal()
    // healed: on every box k1 refused, k2 accepted, the same key list, the whole cluster alive
    const all = boxes.map((b) => b.name).sort().join(',')
    const converged = async (b: Box): Promise<boolean> => (await keyStatus(b, k1.key)) === 401 && (await keyStatus(b, k2.key)) === 200
    await Promise.all(boxes.map((b) => waitUntil(async () => converged(b), 60_000, `${b.name} converged`, 50)))
    const healMs = performance.now() - tHeal
    await Promise.all(boxes.map((b) => waitUntil(async () => (await aliveOf(b, key)).join(',') === all, 60_000, `${b.name} sees the whole cluster again`, 100)))
    const lists = new Set(await Promise.all(boxes.map((b) => keyIds(b, key))))
    if (lists.size !== 1) problems.push(`key lists differ after the heal: ${[...lists].join(' | ')}`)
    problems.push(...(await round(false)))
    await views.stop()
    // allowed: each cross-side view goes down once and alive once; nothing else
    const cross = (v: string, p: string): boolean => names(A).includes(v) !== names(A).includes(p)
    const flaps = extraTransitions(views.transitions, (v, p) => (cross(v, p) ? 2 : 0))
    const failed = sent.filter((s) => s.status === 0 || s.status >= 500 && s.status !== 503)
    return {
      scenario: 'partition 2+3',
      requests: sent.length,
      failures: problems.filter((p) => p.includes(' via ')).length,
      worstMs: Math.max(0, ...duringSplit.map((s) => s.ms)),
      serviceMs,
      detectMs,
      healMs,
      flaps,
      recordsLost: await recordsLost(boxes, key, sent),
      failedStatuses: failed.map((s) => s.status),
      problems,
      notes: [
        `during the split: ${JSON.stringify(servedCounts(duringSplit.map((s) => (s.status === 200 ? `${s.via}→${s.servedBy}` : `${s.via}→${s.status}`))))}`,
        `transitions: ${views.transitions.map((t) => `${t.viewer}>${t.peer} ${t.status} @${Math.round(t.at - tSplit)}`).join(', ')} (heal @${Math.round(tHeal - tSplit)})`
      ]
    }
  } finally {
    await stopBoxes(boxes)
    lab.close()
  }
}
