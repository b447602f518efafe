/** The network scenarios of `npm run chaos`, run in network namespaces (root only; specs/chaos.md). */
import { randomBytes } from 'node:crypto'
import { labUnavailable } from './lab.js'
import { runClockOffset } from './clock-offset.js'
import { runLossyLink } from './lossy-link.js'
import { runPartition, type LanRow } from './partition.js'

export type LanScenario = 'partition' | 'lossy-link' | 'clock-offset'
export const LAN_SCENARIOS: readonly LanScenario[] = ['partition', 'lossy-link', 'clock-offset']
export { labUnavailable, type LanRow }

export async function runLan(name: LanScenario, bounded: boolean): Promise<LanRow> {
  const clusterKey = randomBytes(32).toString('hex')
  if (name === 'partition') return runPartition({ holdRounds: bounded ? 2 : 10, clusterKey })
  if (name === 'lossy-link') return runLossyLink({ clients: 4, durationMs: bounded ? 10_000 : 60_000, clusterKey })
  return runClockOffset({ clusterKey })
}
