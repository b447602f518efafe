import { describe, expect, it } from 'vitest'
import { needsRpcBinaries } from '../config/rpc-last-sequencer.js'

describe('test order', () => {
  it('puts only the files that run the RPC binaries last', () => {
    expect(needsRpcBinaries('/r/test/integration/sharding/split-model.spec.ts')).toBe(true)
    expect(needsRpcBinaries('/r/test/e2e/sharding-dashboard.spec.ts')).toBe(true)
    expect(needsRpcBinaries('/r/test/unit/agent/sharding/placement.spec.ts')).toBe(false)
    expect(needsRpcBinaries('/r/test/integration/cluster/routing.spec.ts')).toBe(false)
  })
})
