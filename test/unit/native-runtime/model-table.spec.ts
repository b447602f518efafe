import { describe, expect, it } from 'vitest'
import { TPS_EMA_ALPHA } from '../../../native-runtime/src/constants.js'
import type { ModelStatus } from '../../../native-runtime/src/interfaces.js'
import { ModelTable } from '../../../native-runtime/src/model-table.js'
import type { ModelInfo } from '../../../native-runtime/src/protocol.js'

const info: ModelInfo = {
  contextLength: 512,
  contextSize: 512,
  capabilities: { chat: true, completion: true, embeddings: true, tools: false, vision: false },
  hasChatTemplate: false,
  sizeBytes: 100,
  quantization: 'F32',
  architecture: 'llama',
  slotsTotal: 2
}

function table(): { t: ModelTable; changes: ModelStatus[][] } {
  const changes: ModelStatus[][] = []
  return { t: new ModelTable((s) => changes.push(s)), changes }
}

describe('ModelTable', () => {
  it('goes loading -> loaded and publishes each change', () => {
    const { t, changes } = table()
    t.loading({ id: 'm', path: '/m.gguf', slots: 2 })
    expect(t.get('m')).toMatchObject({ state: 'loading', slotsTotal: 2, contextSize: 0 })
    t.loaded('m', info)
    expect(t.get('m')).toMatchObject({ state: 'loaded', contextSize: 512, quantization: 'F32' })
    expect(changes.at(-1)?.[0]?.state).toBe('loaded')
    expect(changes).toHaveLength(2)
  })

  it('returns snapshots the caller cannot change', () => {
    const { t } = table()
    t.loading({ id: 'm', path: '/m.gguf' })
    const snap = t.snapshot()
    snap.pop()
    expect(t.snapshot()).toHaveLength(1)
    expect(() => ((t.snapshot()[0] as { state: string }).state = 'x')).toThrow()
  })

  it('counts busy slots, never below zero', () => {
    const { t } = table()
    t.loading({ id: 'm', path: '/m.gguf' })
    t.busy('m', 1)
    t.busy('m', 1)
    t.busy('m', -1)
    expect(t.get('m')?.slotsBusy).toBe(1)
    t.busy('m', -5)
    expect(t.get('m')?.slotsBusy).toBe(0)
  })

  it('keeps an exponential moving average of decode speed, skipping untimeable requests', () => {
    const { t } = table()
    t.loading({ id: 'm', path: '/m.gguf' })
    t.recordSpeed('m', 100, 1000)
    expect(t.get('m')?.tokensPerSecond).toBe(100)
    t.recordSpeed('m', 200, 1000)
    expect(t.get('m')?.tokensPerSecond).toBeCloseTo(TPS_EMA_ALPHA * 200 + (1 - TPS_EMA_ALPHA) * 100)
    const before = t.get('m')?.tokensPerSecond
    t.recordSpeed('m', 0, 0)
    expect(t.get('m')?.tokensPerSecond).toBe(before)
  })

  it('reloads loaded models after a crash but not failed ones', () => {
    const { t } = table()
    t.loading({ id: 'good', path: '/g' })
    t.loaded('good', info)
    t.loading({ id: 'bad', path: '/b' })
    t.failed('bad', 'aborted')
    t.reloadAll()
    expect(t.get('good')?.state).toBe('loading')
    expect(t.get('bad')).toMatchObject({ state: 'failed', error: 'aborted' })
    expect(t.specsToReload().map((s) => s.id)).toEqual(['good'])
    t.remove('good')
    expect(t.specsToReload()).toEqual([])
  })
  it('marks everything unloaded when the runtime stops', () => {
    const { t } = table()
    t.loading({ id: 'a', path: '/a' })
    t.loaded('a', info)
    t.busy('a', 1)
    t.loading({ id: 'b', path: '/b' })
    t.failed('b', 'bad')
    t.unloadAll()
    expect(t.snapshot().map((s) => [s.id, s.state, s.slotsBusy])).toEqual([
      ['a', 'unloaded', 0],
      ['b', 'failed', 0]
    ])
    expect(t.specsToReload()).toEqual([])
  })
})
