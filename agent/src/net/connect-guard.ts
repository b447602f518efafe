/**
 * The connection-time half of the outbound policy, shared by undici's connector (outbound.ts) and the
 * bulk client (bulk-get.ts): every address a name resolves to is checked as the socket is opened, and
 * an IP literal is checked before it is dialled. Checking here, not before the request, is what
 * defeats DNS rebinding and redirects into a blocked range.
 */
import type { LookupAddress, LookupOneOptions } from 'node:dns'
import { isIP, type LookupFunction } from 'node:net'
import type { AddressPolicy } from './address-policy.js'
import { OutboundBlockedError } from './outbound-errors.js'

/** A resolver whose every answer must pass the policy (net.connect may try any of them: happy eyeballs). */
export function guardedLookup(policy: AddressPolicy, resolve: LookupFunction): LookupFunction {
  const lookup = (hostname: string, options: LookupOneOptions, cb: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void): void => {
    resolve(hostname, { ...options, all: true }, (err: NodeJS.ErrnoException | null, addresses: string | LookupAddress[]) => {
      if (err) return cb(err, '')
      const list = Array.isArray(addresses) ? addresses : [{ address: addresses, family: isIP(addresses) }]
      for (const a of list) {
        const why = policy.refusal(a.address)
        if (why) return cb(new OutboundBlockedError(hostname, `${hostname} resolves to ${why}`), '')
      }
      if (options.all) cb(null, list)
      else cb(null, list[0]?.address ?? '', list[0]?.family ?? 4)
    })
  }
  return lookup as unknown as LookupFunction
}

/** The refusal of an IP-literal host (`[::1]` or `10.0.0.1`), never looked up; undefined for a name or an allowed address. */
export function literalRefusal(policy: AddressPolicy, protocol: string, hostname: string): OutboundBlockedError | undefined {
  const host = hostname.replace(/^\[|\]$/g, '')
  if (isIP(host) === 0) return undefined
  const why = policy.refusal(host)
  return why ? new OutboundBlockedError(`${protocol}//${hostname}`, why) : undefined
}
