import { availableParallelism } from 'node:os'
import { describe, expect, it } from 'vitest'
import { MAX_DEFAULT_THREADS } from '../../../native-runtime/src/constants.js'
import { defaultThreads } from '../../../native-runtime/src/threads.js'

describe('defaultThreads', () => {
  it('uses one thread on machines with two cores or fewer', () => {
    expect(defaultThreads(1)).toBe(1)
    expect(defaultThreads(2)).toBe(1)
    expect(defaultThreads(0)).toBe(1)
    expect(defaultThreads(Number.NaN)).toBe(1)
  })

  it('leaves one core to the agent and caps at MAX_DEFAULT_THREADS', () => {
    expect(defaultThreads(3)).toBe(2)
    expect(defaultThreads(4)).toBe(3)
    expect(defaultThreads(9)).toBe(8)
    expect(defaultThreads(64)).toBe(MAX_DEFAULT_THREADS)
  })

  it('defaults to this machine', () => {
    expect(defaultThreads()).toBe(defaultThreads(availableParallelism()))
  })
})
