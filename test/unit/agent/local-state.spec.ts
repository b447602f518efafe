/** The node's own state: host figures (three /proc reads) are reused for a second, not read per build. */
import { describe, expect, it } from 'vitest'
import { buildLocalState, HOST_FIGURES_MS } from '../../../agent/src/node/local-state.js'
import { AdmissionQueue } from '../../../agent/src/scheduler/admission-queue.js'
import type { InferenceRuntime } from '../../../native-runtime/src/index.js'

describe('local state', () => {
  it('reuses the host figures within HOST_FIGURES_MS and reads them again after it (or when the clock goes back)', () => {
    let now = 5_000_000
    const sources = { name: 'n', httpUrl: () => 'http://n', runtime: { models: () => [] } as unknown as InferenceRuntime, admission: new AdmissionQueue(), startedAt: 0, leaving: () => false, now: () => now }
    const first = buildLocalState(sources)
    expect(first.cpu.cores).toBeGreaterThan(0)
    expect(first.memory.totalBytes).toBeGreaterThan(0)
    now += HOST_FIGURES_MS - 1
    // the same objects: nothing was read again
    expect(buildLocalState(sources).memory).toBe(first.memory)
    now += 1
    const later = buildLocalState(sources)
    expect(later.memory).not.toBe(first.memory)
    now -= 10 * HOST_FIGURES_MS
    expect(buildLocalState(sources).memory).not.toBe(later.memory)
  })
})
