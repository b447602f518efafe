import { describe, expect, it } from 'vitest'
import { errorFromWire, errorToWire, INTERNAL_ERROR_CODE } from '../../../native-runtime/src/error-wire.js'
import {
  CapabilityError,
  ContextOverflowError,
  ModelLoadError,
  ModelNotFoundError,
  RuntimeError,
  RuntimeUnavailableError
} from '../../../native-runtime/src/errors.js'
import { childMessageSchema } from '../../../native-runtime/src/protocol.js'

describe('errors across the IPC boundary', () => {
  const cases: [RuntimeError, new (...args: never[]) => RuntimeError][] = [
    [new ModelNotFoundError('m'), ModelNotFoundError],
    [new ModelLoadError('m', 'Invalid GGUF magic'), ModelLoadError],
    [new ContextOverflowError(600, 512, 'prompt'), ContextOverflowError],
    [new RuntimeUnavailableError('gone'), RuntimeUnavailableError],
    [new CapabilityError('m', 'embeddings'), CapabilityError]
  ]

  it.each(cases)('rebuilds %s with its class, code, message and param', (original, cls) => {
    // through JSON, as over the channel, and through the message schema
    const wire = JSON.parse(JSON.stringify(errorToWire(original)))
    const msg = childMessageSchema.parse({ type: 'error', id: 1, error: wire })
    const rebuilt = errorFromWire(msg.type === 'error' ? msg.error : wire)
    expect(rebuilt).toBeInstanceOf(cls)
    expect(rebuilt).toBeInstanceOf(RuntimeError)
    expect(rebuilt).toBeInstanceOf(Error)
    expect(rebuilt.name).toBe(cls.name)
    expect({ code: rebuilt.code, message: rebuilt.message, param: rebuilt.param }).toEqual({
      code: original.code,
      message: original.message,
      param: original.param
    })
  })

  it('keeps unknown codes as plain RuntimeErrors', () => {
    const e = errorFromWire({ code: 'something_new', message: 'x', param: 'p' })
    expect(e.constructor).toBe(RuntimeError)
    expect([e.code, e.param]).toEqual(['something_new', 'p'])
  })

  it('turns unexpected errors into an internal error code', () => {
    expect(errorToWire(new TypeError('boom'))).toEqual({ code: INTERNAL_ERROR_CODE, message: 'boom', param: null })
    expect(errorToWire('text')).toEqual({ code: INTERNAL_ERROR_CODE, message: 'text', param: null })
  })
})
