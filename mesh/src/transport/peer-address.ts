/**
 * Bootstrap peer entries as users write them, turned into dialable multiaddrs:
 *
 *   10.0.0.5:32769            → /ip4/10.0.0.5/tcp/32769
 *   gpu-box.lan               → /dns/gpu-box.lan/tcp/32769      (default port)
 *   [fe80::1]:4000, ::1       → /ip6/…/tcp/…
 *   /ip4/10.0.0.5/tcp/32769[/p2p/<id>]  → as given
 *
 * Entries without a peer id are dialled by address; the peer id is learnt from the Noise handshake.
 */
import { isIPv4, isIPv6 } from 'node:net'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { DEFAULT_MESH_PORT } from '../constants.js'
import { InvalidPeerAddressError } from '../errors.js'

const HOSTNAME = /^(?=.{1,253}$)[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*\.?$/

/** Parses one entry. Throws InvalidPeerAddressError. */
export function parsePeerAddress(entry: string, defaultPort = DEFAULT_MESH_PORT): Multiaddr {
  const input = entry.trim()
  if (input.startsWith('/')) {
    try {
      const ma = multiaddr(input)
      if (!ma.getComponents().some(c => c.name === 'tcp')) throw new Error('no /tcp/ component')
      return ma
    } catch (err) {
      throw new InvalidPeerAddressError(`invalid peer multiaddr "${entry}": ${(err as Error).message}`, { cause: err })
    }
  }
  const { host, port } = splitHostPort(input, entry, defaultPort)
  if (isIPv4(host)) return multiaddr(`/ip4/${host}/tcp/${port}`)
  if (isIPv6(host)) return multiaddr(`/ip6/${host}/tcp/${port}`)
  if (HOSTNAME.test(host)) return multiaddr(`/dns/${host.replace(/\.$/, '')}/tcp/${port}`)
  throw new InvalidPeerAddressError(`invalid peer address "${entry}": expected host[:port] or a multiaddr`)
}

/** The `/p2p/<id>` of a multiaddr, if it carries one. */
export function peerIdOf(ma: Multiaddr): string | undefined {
  return ma.getComponents().findLast(c => c.name === 'p2p')?.value
}

function splitHostPort(input: string, entry: string, defaultPort: number): { host: string; port: number } {
  let host = input
  let portText: string | undefined
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(input)
  if (bracketed !== null) {
    host = bracketed[1] ?? ''
    portText = bracketed[2]
  } else if (input.split(':').length === 2) {
    ;[host = '', portText] = input.split(':')
  }
  // More than one ':' without brackets is a bare IPv6 address: no port.
  const port = portText === undefined ? defaultPort : Number(portText)
  if (!Number.isInteger(port) || port < 1 || port > 65535 || (portText !== undefined && !/^\d+$/.test(portText))) {
    throw new InvalidPeerAddressError(`invalid port in peer address "${entry}"`)
  }
  if (host === '') throw new InvalidPeerAddressError(`missing host in peer address "${entry}"`)
  return { host, port }
}

/**
 * The multiaddrs a node advertises in its gossip: its listen addresses without loopback ones, unless it
 * has nothing else (a loopback-only test cluster). A peer on another box that dialled our 127.0.0.1
 * would reach itself or a neighbour, fail Noise on the peer id, and count a bogus rejection.
 * At most `max` entries (the advert schema allows 32).
 */
export function advertisedAddresses(listen: string[], max = 32): string[] {
  const external = listen.filter(a => !/^\/ip4\/127\.|^\/ip6\/::1\//.test(a))
  return (external.length > 0 ? external : listen).slice(0, max)
}
