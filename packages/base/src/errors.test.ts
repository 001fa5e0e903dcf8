import { describe, expect, expectTypeOf, it } from 'vitest'
import { BaseError, DollyError, errorCode, toJsonSafe } from './errors.ts'

describe('DollyError', () => {
  it('carries a typed code, frozen details and the cause', () => {
    const cause = new Error('socket closed')
    const err = new BaseError('BASE_INVALID_AMOUNT', 'bad', { amountSats: 5n }, { cause })
    expectTypeOf(err.code).toEqualTypeOf<BaseError['code']>()
    expect(err.code).toBe('BASE_INVALID_AMOUNT')
    expect(err.name).toBe('BaseError')
    expect(err.cause).toBe(cause)
    expect(Object.isFrozen(err.details)).toBe(true)
    expect(err.toJSON()).toEqual({
      name: 'BaseError',
      code: 'BASE_INVALID_AMOUNT',
      message: 'bad',
      details: { amountSats: '5' },
    })
  })

  it('lets callers read a code without instanceof', () => {
    expect(errorCode(new DollyError('X_Y', 'm'))).toBe('X_Y')
    expect(errorCode({ code: 'ENOENT' })).toBe('ENOENT')
    expect(errorCode(new Error('plain'))).toBeUndefined()
    expect(errorCode('string')).toBeUndefined()
    expect(toJsonSafe({ a: 1n, b: [2n] })).toEqual({ a: '1', b: ['2'] })
  })
})
