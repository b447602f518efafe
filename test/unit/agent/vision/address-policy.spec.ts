import { describe, expect, it } from 'vitest'
import { HostAllowList, isInternalAddress } from '../../../../agent/src/vision/index.js'

describe('isInternalAddress', () => {
  it('refuses loopback, private, link-local, CGNAT, unspecified and multicast addresses, v4 and v6', () => {
    for (const a of ['127.0.0.1', '127.9.9.9', '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '::1', '::', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', '::ffff:10.1.2.3', '[::1]']) {
      expect(isInternalAddress(a), a).toBe(true)
    }
  })
  it('lets public addresses through', () => {
    for (const a of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '192.169.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) expect(isInternalAddress(a), a).toBe(false)
  })
  it('refuses what is not an address at all', () => {
    expect(isInternalAddress('example.com')).toBe(true)
  })
})

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
