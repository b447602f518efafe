import { describe, expect, it } from 'vitest'
import { pullFigures } from '../../../ui/src/lib/pull-progress.js'
import type { PullState } from '../../../ui/src/api/types.js'

const pull = (over: Partial<PullState>): PullState => ({
  id: 'r@c:f',
  modelId: 'M-Q4_K_M',
  repo: 'o/r',
  revision: 'c',
  endpoint: 'http://hub',
  quant: null,
  choice: 'Q4_K_M',
  files: [
    { name: 'a', size: 600, sha256: 'x', received: 300 },
    { name: 'b', size: 400, sha256: 'y', received: 0 }
  ],
  mmproj: null,
  state: 'downloading',
  error: null,
  bytesPerSecond: 100,
  startedAt: 0,
  updatedAt: 0,
  ...over
})

describe('pull figures', () => {
  it('sums every file and estimates the time left from the rate', () => {
    expect(pullFigures(pull({}))).toEqual({ done: 300, total: 1000, fraction: 0.3, etaSeconds: 7 })
  })
  it('no estimate without a rate or once it is not downloading', () => {
    expect(pullFigures(pull({ bytesPerSecond: 0 })).etaSeconds).toBeNull()
    expect(pullFigures(pull({ state: 'verifying' })).etaSeconds).toBeNull()
  })
})
