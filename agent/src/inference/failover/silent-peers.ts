/**
 * Peers that recently stayed silent past a head bound while membership still saw them alive (a hung
 * runtime, a stuck GPU): for `holdMs` they go to the back of the candidate list, so the next requests
 * do not each wait out the bound on them; they are still used when nobody else can serve. A response
 * head from the peer clears it at once. Pure, clock injected.
 */
export class SilentPeers {
  private readonly until = new Map<string, number>()

  constructor(
    private readonly holdMs: number,
    private readonly now: () => number = Date.now
  ) {}

  silent(peerId: string): void {
    this.until.set(peerId, this.now() + this.holdMs)
  }

  answered(peerId: string): void {
    this.until.delete(peerId)
  }

  has(peerId: string): boolean {
    const t = this.until.get(peerId)
    if (t === undefined) return false
    if (t > this.now()) return true
    this.until.delete(peerId)
    return false
  }

  /** `ranked` with the silent peers moved last, order otherwise kept. */
  demote<T extends { target: string }>(ranked: T[]): T[] {
    if (this.until.size === 0) return ranked
    const ok = ranked.filter((c) => !this.has(c.target))
    return ok.length === ranked.length ? ranked : [...ok, ...ranked.filter((c) => this.has(c.target))]
  }
}
