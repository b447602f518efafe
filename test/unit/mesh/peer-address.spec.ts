import { describe, expect, it } from 'vitest'
import { DEFAULT_MESH_PORT } from '../../../mesh/src/constants.js'
import { InvalidPeerAddressError } from '../../../mesh/src/errors.js'
import { advertisedAddresses, parsePeerAddress, peerIdOf } from '../../../mesh/src/transport/peer-address.js'

const ID = '12D3KooWH5xdZLFRiv1BWbjQzjAP1iqsftNPSJXep38PFQYduJcf'

describe('parsePeerAddress', () => {
  it.each([
    ['10.0.0.5:4000', '/ip4/10.0.0.5/tcp/4000'],
    ['10.0.0.5', `/ip4/10.0.0.5/tcp/${DEFAULT_MESH_PORT}`],
    ['gpu-box.lan:4000', '/dns/gpu-box.lan/tcp/4000'],
    ['localhost', `/dns/localhost/tcp/${DEFAULT_MESH_PORT}`],
    ['[::1]:4000', '/ip6/::1/tcp/4000'],
    ['[fe80::1]', `/ip6/fe80::1/tcp/${DEFAULT_MESH_PORT}`],
    ['::1', `/ip6/::1/tcp/${DEFAULT_MESH_PORT}`],
    ['  10.0.0.5:4000 ', '/ip4/10.0.0.5/tcp/4000'],
    ['/ip4/10.0.0.5/tcp/4000', '/ip4/10.0.0.5/tcp/4000'],
    [`/ip4/10.0.0.5/tcp/4000/p2p/${ID}`, `/ip4/10.0.0.5/tcp/4000/p2p/${ID}`],
    ['/dns4/box/tcp/1', '/dns4/box/tcp/1']
  ])('%s → %s', (input, expected) => {
    expect(parsePeerAddress(input).toString()).toBe(expected)
  })

  it('uses the given default port', () => {
    expect(parsePeerAddress('10.0.0.5', 9).toString()).toBe('/ip4/10.0.0.5/tcp/9')
  })

  it.each(['', ':4000', '10.0.0.5:', '10.0.0.5:0', '10.0.0.5:70000', '10.0.0.5:4x', 'bad host:1', 'under_score', '/ip4/1.2.3.4', '/ip4/999.1.1.1/tcp/1', '/nonsense'])('rejects %j', input => {
    expect(() => parsePeerAddress(input)).toThrow(InvalidPeerAddressError)
  })

  it('extracts the peer id when the multiaddr has one', () => {
    expect(peerIdOf(parsePeerAddress(`/ip4/1.2.3.4/tcp/1/p2p/${ID}`))).toBe(ID)
    expect(peerIdOf(parsePeerAddress('1.2.3.4:1'))).toBeUndefined()
  })
})

describe('advertisedAddresses', () => {
  it('drops loopback addresses when the node has others, keeps them when it has nothing else', () => {
    const lan = '/ip4/10.0.0.5/tcp/1/p2p/x'
    expect(advertisedAddresses(['/ip4/127.0.0.1/tcp/1/p2p/x', lan, '/ip6/::1/tcp/1/p2p/x'])).toEqual([lan])
    expect(advertisedAddresses(['/ip4/127.0.0.1/tcp/1/p2p/x'])).toEqual(['/ip4/127.0.0.1/tcp/1/p2p/x'])
    expect(advertisedAddresses(Array.from({ length: 40 }, (_, i) => `/ip4/10.0.0.${i}/tcp/1`))).toHaveLength(32)
  })
})
