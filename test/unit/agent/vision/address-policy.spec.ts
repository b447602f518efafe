import { describe, expect, it } from 'vitest'
import { HostAllowList } from '../../../../agent/src/vision/index.js'

describe('HostAllowList', () => {
  it('matches a host on any port, or on the port given', () => {
    const list = new HostAllowList(['images.lan', '127.0.0.1:8080', '[::1]:9000', 'CAPS.local'])
    expect(list.allows('images.lan', 80)).toBe(true)
    expect(list.allows('images.lan', 4443)).toBe(true)
    expect(list.allows('127.0.0.1', 8080)).toBe(true)
    expect(list.allows('127.0.0.1', 8081)).toBe(false)
    expect(list.allows('::1', 9000)).toBe(true)
    expect(list.allows('caps.local', 1)).toBe(true)
    expect(list.allows('other', 80)).toBe(false)
  })
})
