/**
 * `lossy-link`: box1 (an ingress with no model) in front of boxes 2–5, which all hold one model;
 * box5's link loses 5 % of its packets and delays each by 100 ms ± 50 ms (`tc netem` on both ends of
 * its veth, so both directions; a relay in user space where the kernel lacks netem, loss alone through
 * iptables where python3 is missing too). Clients send sequential requests through box1 the whole time.
 * Goals: every request succeeds; box5 serves fewer requests than the healthy holders' average (the
 * router prefers them); no box's view of any other turns down and back (no flap).
 */
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chat, nodesOf, recordsLost, startCluster, stopBoxes, watchViews, type Box, type Sent } from './boxes.js'
import { createLab } from './lab.js'
import { extraTransitions, median, servedCounts } from './measure.js'
import type { LanRow } from './partition.js'

const MODEL = 'lossy-model'
const FAULT = { lossPct: 5, delayMs: 100, jitterMs: 50 }

export async function runLossyLink(o: { clients: number; durationMs: number; clusterKey: string }): Promise<LanRow> {
  const lab = createLab(5)
  const dir = await mkdtemp(join(tmpdir(), 'llmlb-lossy-'))
  let boxes: Box[] = []
  try {
    const c = await startCluster(lab, dir, [{ models: [] }, ...Array.from({ length: 4 }, () => ({ models: [MODEL] }))], o.clusterKey)
    boxes = c.boxes
    const key = c.key
    const ingress = boxes[0] as Box
    const sent: Sent[] = []
    let n = 0
    // warm-up on a clean network: every holder measured once, so the router compares like with like
    for (let k = 0; k < 8; k++) sent.push(await chat(ingress, key, MODEL, `lossy-warm-${n++}`))
    const serviceMs = median(sent.filter((s) => s.status === 200).map((s) => s.ms))
    const applied = await lab.degrade(5, FAULT)
    const delayed = !applied.startsWith('iptables')
    const views = watchViews(boxes, key)
    const end = performance.now() + o.durationMs
    const during: Sent[] = []
    await Promise.all(
      Array.from({ length: o.clients }, async () => {
        while (performance.now() < end) during.push(await chat(ingress, key, MODEL, `lossy-${n++}`))
      })
    )
    await views.stop()
    // the ingress's measured round trips, the figure routing prices each holder's link with
    const rtts = (await nodesOf(ingress, key)).filter((r) => !r.self).map((r) => `${r.name} ${r.rtt_ms ?? '?'}`).join(', ')
    await lab.restore(5)
    sent.push(...during)
    const counts = servedCounts(during.map((s) => s.servedBy))
    const healthy = ['box2', 'box3', 'box4'].map((b) => counts[b] ?? 0)
    const mean = healthy.reduce((a, b) => a + b, 0) / healthy.length
    const lossy = counts.box5 ?? 0
    const failed = during.filter((s) => s.status !== 200)
    const lossyMs = during.filter((s) => s.servedBy === 'box5').map((s) => s.ms)
    const healthyMs = during.filter((s) => s.status === 200 && s.servedBy !== 'box5').map((s) => s.ms)
    return {
      scenario: `lossy link (${applied})`,
      requests: during.length,
      failures: failed.length,
      worstMs: Math.max(0, ...during.map((s) => s.ms)),
      serviceMs,
      detectMs: null,
      healMs: null,
      // the lossy box's transitions (in any view, or its own view of others) are the fault's; the
      // healthy boxes' among themselves are the machine's load, reported apart
      flaps: extraTransitions(views.transitions.filter((t) => t.viewer === 'box5' || t.peer === 'box5'), () => 0),
      recordsLost: await recordsLost(boxes, key, sent),
      failedStatuses: failed.map((s) => s.status),
      // with loss alone (no netem) box5 answers about as fast as the others: nothing to prefer
      problems: lossy < mean || !delayed ? [] : [`lossy node served ${lossy}, healthy holders ${mean.toFixed(1)} on average`],
      notes: [
        `served by: ${JSON.stringify(counts)}${delayed ? '' : ' (preference not judged: no delay without netem)'}; median ms via box5 ${Math.round(median(lossyMs))}, via the others ${Math.round(median(healthyMs))}`,
        `round trips from box1 at the end (ms): ${rtts}`,
        `failed statuses: ${failed.map((s) => s.status).join(' ') || 'none'}; alive/down transitions among the healthy boxes (machine load, not the link): ${extraTransitions(views.transitions.filter((t) => t.viewer !== 'box5' && t.peer !== 'box5'), () => 0)}`
      ]
    }
  } finally {
    await stopBoxes(boxes)
    lab.close()
  }
}
