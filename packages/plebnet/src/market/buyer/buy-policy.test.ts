import { describe, expect, it } from 'vitest'
import { decideBuy, MB_BYTES, type BidView, type BuyPolicy } from './buy-policy.ts'

const policy: BuyPolicy = {
  belowBytes: 64n * MB_BYTES,
  bidBytes: 256n * MB_BYTES,
  maxSatPerMb: 50n,
  bidTimeoutS: 3600,
}
const closed: BidView = {
  mbBytes: 256n * MB_BYTES,
  matchedBytes: 256n * MB_BYTES,
  unsettledBytes: 0n,
  open: false,
}

describe('decideBuy', () => {
  it('bids for bidBytes at maxSatPerMb when the balance is below the threshold (negative too)', () => {
    for (const balanceBytes of [63n * MB_BYTES, 0n, -500n * MB_BYTES])
      expect(decideBuy(policy, { balanceBytes, spendableSats: 1_000_000n, bids: [closed] })).toEqual({
        kind: 'bid',
        mbBytes: 256n * MB_BYTES,
        sats: 12_800n,
      })
  })

  it('waits at or above the threshold', () => {
    expect(decideBuy(policy, { balanceBytes: 64n * MB_BYTES, spendableSats: 1_000_000n, bids: [] })).toEqual({
      kind: 'wait',
      reason: 'enough',
    })
  })

  it('waits while a bid is in the book or its trade has not ended', () => {
    const open = { ...closed, matchedBytes: 0n, open: true }
    const trading = { ...closed, unsettledBytes: 10n * MB_BYTES }
    for (const bid of [open, trading])
      expect(decideBuy(policy, { balanceBytes: 0n, spendableSats: 1_000_000n, bids: [bid] })).toEqual({
        kind: 'wait',
        reason: 'bid-open',
      })
  })

  it('bids for the whole MB its budget pays for, and waits below one MB', () => {
    expect(decideBuy(policy, { balanceBytes: 0n, spendableSats: 1_049n, bids: [] })).toEqual({
      kind: 'bid',
      mbBytes: 20n * MB_BYTES,
      sats: 1_000n,
    })
    expect(decideBuy(policy, { balanceBytes: 0n, spendableSats: 49n, bids: [] })).toEqual({
      kind: 'wait',
      reason: 'budget',
    })
  })
})
