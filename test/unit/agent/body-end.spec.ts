/**
 * A response body's end is seen however its reading ends: finished, failed, closed mid-way, or closed
 * before the first read (an async generator closed before it starts never runs its `finally`, which
 * leaked a forwarded request's reservation and an engine's slot).
 */
import { describe, expect, it } from 'vitest'
import { onBodyEnd } from '../../../agent/src/inference/http-result.js'
import { guardedBody } from '../../../agent/src/inference/failover/index.js'
import { tapUsage } from '../../../agent/src/auth/usage-tap.js'

function source(items: string[], fail?: Error): { body: AsyncGenerator<string>; closed: () => boolean } {
  let closed = false
  const body = (async function* () {
    try {
      for (const i of items) yield i
      if (fail) throw fail
    } finally {
      closed = true
    }
  })()
  return { body, closed: () => closed }
}

describe('onBodyEnd', () => {
  it('calls done once when the body is read to its end', async () => {
    let ends = 0
    const out: string[] = []
    for await (const c of onBodyEnd(source(['a', 'b']).body, () => ends++)) out.push(c)
    expect(out).toEqual(['a', 'b'])
    expect(ends).toBe(1)
  })

  it('calls done once when the body fails, and the failure reaches the reader', async () => {
    let ends = 0
    const read = async (): Promise<void> => {
      for await (const _ of onBodyEnd(source(['a'], new Error('reset')).body, () => ends++)) void _
    }
    await expect(read()).rejects.toThrow('reset')
    expect(ends).toBe(1)
  })

  it('calls done once and closes the source when the reader stops mid-way', async () => {
    let ends = 0
    const src = source(['a', 'b', 'c'])
    for await (const c of onBodyEnd(src.body, () => ends++)) if (c === 'a') break
    expect(ends).toBe(1)
    expect(src.closed()).toBe(true)
  })

  it('calls done when closed before the first read, where a generator finally would not run', async () => {
    let ends = 0
    const body = onBodyEnd(source(['a']).body, () => ends++)
    await body.return?.()
    await body.return?.()
    expect(ends).toBe(1)
  })

  it('serves the guarded forwarded body and the usage tap the same way', async () => {
    let guardEnds = 0
    const guarded = guardedBody(source([]).body as unknown as AsyncIterable<Uint8Array>, 'application/json', () => guardEnds++)
    await guarded[Symbol.asyncIterator]().return?.()
    expect(guardEnds).toBe(1)
    const seen: (number | undefined)[] = []
    const tapped = tapUsage(source(['{"usage":{"prompt_tokens":2,"completion_tokens":3}}']).body, (t) => seen.push(t))
    await tapped[Symbol.asyncIterator]().return?.()
    expect(seen).toEqual([undefined])
    for await (const _ of tapUsage(source(['{"usage":{"prompt_tokens":2,"completion_tokens":3}}']).body, (t) => seen.push(t))) void _
    expect(seen).toEqual([undefined, 5])
  })
})
