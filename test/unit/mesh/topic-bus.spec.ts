import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { TopicBus } from '../../../mesh/src/broadcast/topic-bus.js'

const log = pino({ level: 'silent' })
const T = '/llmlb/control/1.0.0'
const bytes = (n: number): Uint8Array => new Uint8Array(n)

describe('TopicBus', () => {
  it('refuses unversioned or foreign topic names at construction', () => {
    expect(() => new TopicBus(['control'], 10, log)).toThrow(TypeError)
    expect(() => new TopicBus(['/other/x/1.0.0'], 10, log)).toThrow(TypeError)
    expect(() => new TopicBus(['/llmlb/control'], 10, log)).toThrow(TypeError)
    expect(new TopicBus([T], 10, log).topics()).toEqual([T])
  })

  it('subscribing to an undeclared topic is a wiring error', () => {
    const bus = new TopicBus([T], 10, log)
    expect(() => bus.subscribe('/llmlb/other/1.0.0', () => {})).toThrow(/not declared/)
  })

  it('checks outbound messages: declared topic and size bound', () => {
    const bus = new TopicBus([T], 10, log)
    expect(() => bus.checkOutbound(T, bytes(10))).not.toThrow()
    expect(() => bus.checkOutbound(T, bytes(11))).toThrow(RangeError)
    expect(() => bus.checkOutbound('/llmlb/x/1.0.0', bytes(1))).toThrow(TypeError)
  })

  it('drops inbound messages that are undeclared, unsigned or oversized', () => {
    const bus = new TopicBus([T], 10, log)
    expect(bus.check(T, bytes(5), 'peer-a')).toBeUndefined()
    expect(bus.check(T, bytes(5), undefined)).toBe('unsigned')
    expect(bus.check(T, bytes(11), 'peer-a')).toBe('oversized')
    expect(bus.check('/llmlb/x/1.0.0', bytes(1), 'peer-a')).toBe('undeclared')
  })

  it('delivers bytes with the signer to every handler until unsubscribed; a throwing handler does not stop the others', () => {
    const bus = new TopicBus([T], 10, log)
    const got: string[] = []
    bus.subscribe(T, () => { throw new Error('boom') })
    const off = bus.subscribe(T, (data, from) => got.push(`${from}:${data.byteLength}`))
    expect(bus.deliver(T, bytes(3), 'peer-a')).toBe(2)
    off()
    bus.deliver(T, bytes(4), 'peer-b')
    expect(got).toEqual(['peer-a:3'])
  })
})
