/**
 * Name resolvers for outbound-policy tests: what a DNS server the attacker controls answers (a name
 * that resolves to a loopback, private or metadata address), without a real DNS server.
 */
import type { LookupFunction } from 'node:net'

type Answer = (err: NodeJS.ErrnoException | null, addresses: { address: string; family: number }[]) => void

/** Answers every name with `address`. */
export const resolvesTo = (address: string): LookupFunction => resolverOf(() => address)

/** Answers a name with what `addressOf` gives, ENOTFOUND for undefined. */
export function resolverOf(addressOf: (host: string) => string | undefined): LookupFunction {
  return ((host: string, _opts: unknown, cb: Answer) => {
    const address = addressOf(host)
    if (!address) return cb(Object.assign(new Error(`no such name ${host}`), { code: 'ENOTFOUND' }), [])
    cb(null, [{ address, family: address.includes(':') ? 6 : 4 }])
  }) as unknown as LookupFunction
}
