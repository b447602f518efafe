/**
 * The hosts an image URL may name although they resolve to a loopback, private or link-local address
 * (`vision.imageUrlAllow`). The ranges and the check itself are the outbound policy's
 * (`agent/src/net/`, used by guarded-fetch.ts); metadata addresses stay refused for these hosts too.
 */
/** The operator's exceptions: `host` or `host:port` entries (case-insensitive; IPv6 in brackets with a port). */
export class HostAllowList {
  private readonly entries: { host: string; port: number | null }[]

  constructor(entries: readonly string[]) {
    this.entries = entries.map((e) => {
      const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(e.trim().toLowerCase())
      if (!m) return { host: e.trim().toLowerCase(), port: null }
      return { host: (m[1] as string).replace(/^\[|\]$/g, ''), port: m[2] === undefined ? null : Number(m[2]) }
    })
  }

  /** True when `host` (a name or an address, no brackets) on `port` is allowed to be internal. */
  allows(host: string, port: number): boolean {
    const h = host.toLowerCase()
    return this.entries.some((e) => e.host === h && (e.port === null || e.port === port))
  }
}
