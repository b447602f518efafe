import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { InflightTracker } from '../../../agent/src/scheduler/inflight-tracker.js'
import { PrefixDigest, prefixHashes, prefixMatch } from '../../../agent/src/scheduler/prefix-digest.js'

describe('InflightTracker', () => {
  it('counts reservations made after an advert as pending', () => {
    let t = 1000
    const tr = new InflightTracker(() => t)
    const a = tr.begin('p')
    t = 2000
    const b = tr.begin('p')
    expect(tr.outstanding('p')).toBe(2)
    expect(tr.pendingSince('p', 1500)).toBe(1)
    a.end()
    b.end()
    expect(tr.outstanding('p')).toBe(0)
  })

  it('assumes at least what it has outstanding on a peer, whatever the advert says', () => {
    let t = 1000
    const tr = new InflightTracker(() => t)
    tr.begin('p')
    tr.begin('p')
    t = 2000
    tr.begin('p')
    // an advert at 1500 that has not seen our first two yet (they were still on the wire)
    expect(tr.loadOf('p', 0, 1500)).toBe(3)
    // an advert that counts them, and another ingress's request too
    expect(tr.loadOf('p', 3, 1500)).toBe(4)
    expect(tr.loadOf('q', 2, 1500)).toBe(2)
  })

  it('returns to zero whatever ends each request, however often end() is called (property)', () => {
    // outcomes: success, error, client abort, peer death, timeout all call end() one or more times
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('p1', 'p2', 'p3'), fc.integer({ min: 1, max: 3 })), { maxLength: 60 }), (reqs) => {
        const tr = new InflightTracker()
        const rs = reqs.map(([target, ends]) => ({ r: tr.begin(target), ends }))
        for (const { r, ends } of rs.reverse()) for (let i = 0; i < ends; i++) r.end()
        return tr.total() === 0 && ['p1', 'p2', 'p3'].every((p) => tr.outstanding(p) === 0)
      })
    )
  })
})

describe('prefix digest', () => {
  const conv = [
    { role: 'system', content: 'be brief' },
    { role: 'user', content: 'hello' }
  ]
  it('a follow-up turn matches the node that served the earlier turn, better than a shared system prompt alone', () => {
    const served = new PrefixDigest()
    served.record('m', prefixHashes(conv))
    const sysOnly = new PrefixDigest()
    sysOnly.record('m', prefixHashes([conv[0] as { role: string; content: string }]))
    const next = prefixHashes([...conv, { role: 'assistant', content: 'hi' }, { role: 'user', content: 'more' }])
    expect(prefixMatch(next, served.get('m'))).toBe(0.5)
    expect(prefixMatch(next, sysOnly.get('m'))).toBe(0.25)
    expect(prefixMatch(next, [])).toBe(0)
  })

  it('is bounded and most-recent first', () => {
    const d = new PrefixDigest(8)
    for (let i = 0; i < 50; i++) d.record('m', prefixHashes([{ role: 'user', content: String(i) }]))
    expect(d.get('m')).toHaveLength(8)
    expect(d.get('m')[0]).toBe(prefixHashes([{ role: 'user', content: '49' }])[0])
  })
})
