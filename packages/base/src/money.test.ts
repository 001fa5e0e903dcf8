import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { formatBtc, MAX_MONEY_SATS, parseBtc, parseSats } from './money.ts'
import { errorCode } from './errors.ts'

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn()
  } catch (err) {
    return errorCode(err)
  }
  return undefined
}

describe('parseBtc', () => {
  it.each([
    ['0.00041', 41000n],
    ['1', 100_000_000n],
    ['1.5', 150_000_000n],
    ['.5', 50_000_000n],
    ['0.00000001', 1n],
    ['21000000', MAX_MONEY_SATS],
    ['0', 0n],
    ['007.10', 710_000_000n],
  ])('parses %s exactly', (text, sats) => {
    expect(parseBtc(text)).toBe(sats)
  })

  it.each([
    ['0.000000001', 'BASE_AMOUNT_TOO_PRECISE'],
    ['-1', 'BASE_INVALID_AMOUNT'],
    ['1e3', 'BASE_INVALID_AMOUNT'],
    ['', 'BASE_INVALID_AMOUNT'],
    ['1,5', 'BASE_INVALID_AMOUNT'],
    [' 1', 'BASE_INVALID_AMOUNT'],
    ['0x10', 'BASE_INVALID_AMOUNT'],
    ['NaN', 'BASE_INVALID_AMOUNT'],
    ['21000000.00000001', 'BASE_AMOUNT_OUT_OF_RANGE'],
  ])('rejects %j with %s', (text, code) => {
    expect(codeOf(() => parseBtc(text))).toBe(code)
  })

  it('round-trips every satoshi amount through formatBtc', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: MAX_MONEY_SATS }), (sats) => {
        expect(parseBtc(formatBtc(sats))).toBe(sats)
        expect(parseBtc(formatBtc(sats, { trim: true }))).toBe(sats)
      }),
    )
  })
})

describe('formatBtc', () => {
  it('always prints 8 decimals unless trimmed', () => {
    expect(formatBtc(41000n)).toBe('0.00041000')
    expect(formatBtc(41000n, { trim: true })).toBe('0.00041')
    expect(formatBtc(100_000_000n, { trim: true })).toBe('1')
    expect(formatBtc(-2820n)).toBe('-0.00002820')
    expect(formatBtc(0n)).toBe('0.00000000')
  })
})

describe('parseSats', () => {
  it('accepts whole satoshi counts and rejects the rest', () => {
    expect(parseSats('41000')).toBe(41000n)
    expect(parseSats(5n)).toBe(5n)
    expect(codeOf(() => parseSats('1.5'))).toBe('BASE_INVALID_AMOUNT')
    expect(codeOf(() => parseSats(-1n))).toBe('BASE_AMOUNT_OUT_OF_RANGE')
    expect(codeOf(() => parseSats(MAX_MONEY_SATS + 1n))).toBe('BASE_AMOUNT_OUT_OF_RANGE')
  })
})
