import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { LedgerRequest, LedgerResponse } from '../ports.ts'
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse } from './messages.ts'

const seqArb = fc.oneof(fc.integer({ min: 1, max: 0x7fff_ffff }), fc.integer({ min: -0x7fff_ffff, max: -1 }))
const requestArb: fc.Arbitrary<LedgerRequest> = fc.oneof(
  fc.record({
    kind: fc.constant('propose' as const),
    proposal: fc.uint8Array({ minLength: 1, maxLength: 400 }),
  }),
  fc.record({
    kind: fc.constant('crawl' as const),
    publicKey: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    startSeq: seqArb,
    endSeq: seqArb,
  }),
)
const responseArb: fc.Arbitrary<LedgerResponse> = fc.oneof(
  fc.record({
    kind: fc.constant('agreement' as const),
    agreement: fc.uint8Array({ minLength: 1, maxLength: 400 }),
  }),
  fc.record({
    kind: fc.constant('refused' as const),
    code: fc.stringMatching(/^[A-Z0-9_]{1,64}$/),
    reason: fc.string({ maxLength: 200 }),
  }),
  fc.record({
    kind: fc.constant('blocks' as const),
    blocks: fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 100 }),
  }),
)

describe('ledger protocol messages', () => {
  it('decode what they encode', () => {
    fc.assert(
      fc.property(requestArb, (r) => {
        expect(decodeRequest(encodeRequest(r))).toEqual(r)
      }),
    )
    fc.assert(
      fc.property(responseArb, (r) => {
        expect(decodeResponse(encodeResponse(r))).toEqual(r)
      }),
    )
  })

  it('never throw on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        decodeRequest(bytes)
        decodeResponse(bytes)
      }),
    )
  })

  it.each([
    ['a crawl for seq 0', '02' + '00'.repeat(32) + '00000000' + 'ffffffff'],
    ['a crawl one byte short', '02' + '00'.repeat(32) + '00000001' + 'ffffff'],
    ['an unknown tag', '07'],
    ['nothing', ''],
  ])('refuse %s', (_name, hex) => {
    expect(decodeRequest(new Uint8Array(Buffer.from(hex, 'hex')))).toBeUndefined()
  })

  it('refuse a block list longer than 100 or with a length beyond the message', () => {
    expect(decodeResponse(Uint8Array.of(0x83, 101))).toBeUndefined()
    expect(decodeResponse(Uint8Array.of(0x83, 1, 0, 5, 1, 2))).toBeUndefined()
    expect(decodeResponse(Uint8Array.of(0x83, 0, 9))).toBeUndefined()
  })
})
