import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MAX_UINT64 } from './constants.ts'
import { decodeTxDict, encodeTxDict, type TxValue } from './tx-dict.ts'

const valueArb: fc.Arbitrary<TxValue> = fc.oneof(
  fc.bigInt({ min: 0n, max: MAX_UINT64 }),
  fc.uint8Array({ maxLength: 40 }),
)

describe('transaction dict', () => {
  it('decodes what it encodes, and the encoding does not depend on key order', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.stringMatching(/^[a-z0-9_]{1,32}$/), valueArb, { maxKeys: 20 }),
        (dict) => {
          const encoded = encodeTxDict(dict)
          expect({ ...decodeTxDict(encoded) }).toEqual(dict)
          const reversed = Object.fromEntries(Object.entries(dict).reverse())
          expect(encodeTxDict(reversed)).toEqual(encoded)
        },
      ),
    )
  })

  it.each([
    ['empty input', ''],
    ['keys out of order', '020175010000000000000001016101000000000000000001'],
    ['duplicate key', '020161010000000000000001016101000000000000000001'],
    ['unknown tag', '0101610300'],
    ['trailing byte', '00' + '00'],
    ['truncated uint', '01016101000000'],
    ['bytes longer than the input', '010161020005aabb'],
    ['upper-case key', '010141010000000000000001'],
  ])('refuses a non-canonical dict: %s', (_name, hex) => {
    expect(decodeTxDict(new Uint8Array(Buffer.from(hex, 'hex')))).toBeUndefined()
  })

  it('refuses to encode negative, oversized or badly named values', () => {
    for (const dict of [{ a: -1n }, { a: MAX_UINT64 + 1n }, { A: 1n }, { 'a-b': 1n }]) {
      expect(() => encodeTxDict(dict)).toThrow(expect.objectContaining({ code: 'LEDGER_TX_MALFORMED' }))
    }
  })
})
