import { describe, expect, it } from 'vitest'
import { awaitsFirstSync } from '../../../../agent/src/auth/index.js'

describe('the first control-plane sync at start', () => {
  it('a lone node (no peer configured or met, mDNS or not) does not wait', () => {
    expect(awaitsFirstSync({ configuredPeers: 0, alivePeers: 0 })).toBe(false)
  })
  it('a node with configured peers, or peers already met, catches up first', () => {
    expect(awaitsFirstSync({ configuredPeers: 1, alivePeers: 0 })).toBe(true)
    expect(awaitsFirstSync({ configuredPeers: 0, alivePeers: 2 })).toBe(true)
  })
})
