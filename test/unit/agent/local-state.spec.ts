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

  it("advertises a model the store is loading once, as stored with its record's capabilities, not as the runtime's empty placeholder", () => {
    const none = { chat: false, completion: false, embeddings: false, tools: false, vision: false }
    const placeholder = { id: 'm', state: 'loading', capabilities: none, contextLength: 0, quantization: '', sizeBytes: 0, slotsTotal: 1, slotsBusy: 0, tokensPerSecond: 0 }
    const other = { ...placeholder, id: 'reloading', capabilities: { ...none, chat: true } }
    const storedAdvert = { id: 'm', capabilities: { ...none, chat: true, completion: true }, loaded: false, contextLength: 512, quantization: 'Q4_K_M', sizeBytes: 10, slotsTotal: 1, slotsBusy: 0, queueDepth: 0, tokensPerSecond: 0, avgServiceMs: 0, coldLoadMs: 5 }
    const state = buildLocalState({ name: 'n', httpUrl: () => 'http://n', runtime: { models: () => [placeholder, other] } as unknown as InferenceRuntime, admission: new AdmissionQueue(), startedAt: 0, leaving: () => false, stored: () => [storedAdvert] })
    expect(state.models.filter((m) => m.id === 'm')).toEqual([storedAdvert])
    // a model loading without a stored advert (a runtime reload) keeps the runtime's entry
    expect(state.models.find((m) => m.id === 'reloading')?.capabilities.chat).toBe(true)
  })
})
