import { describe, expect, it } from 'vitest'
import { checkFeeShare, chooseFeeRate } from './fee-policy.ts'

const policy = {
  minFeeRateSatPerKvb: 1_000n,
  maxFeeRateSatPerKvb: 200_000n,
  fallbackFeeRateSatPerKvb: 10_000n,
}

describe('chooseFeeRate', () => {
  it('uses the estimate, raised to the larger of our floor and the relay minimum', () => {
    expect(chooseFeeRate({ feeRateSatPerKvb: 5_000n, minRelayFeeRateSatPerKvb: 1_000n }, policy)).toBe(5_000n)
    expect(chooseFeeRate({ feeRateSatPerKvb: 500n, minRelayFeeRateSatPerKvb: 1_000n }, policy)).toBe(1_000n)
    expect(chooseFeeRate({ feeRateSatPerKvb: 2_000n, minRelayFeeRateSatPerKvb: 3_000n }, policy)).toBe(3_000n)
  })

  it('falls back when the backend has no estimate', () => {
    expect(chooseFeeRate({ minRelayFeeRateSatPerKvb: 1_000n }, policy)).toBe(10_000n)
  })

  it('refuses a rate above the ceiling, estimated or explicit', () => {
    expect(() =>
      chooseFeeRate({ feeRateSatPerKvb: 300_000n, minRelayFeeRateSatPerKvb: 1_000n }, policy),
    ).toThrow(expect.objectContaining({ code: 'WALLET_FEE_TOO_HIGH' }))
    expect(() => chooseFeeRate({ minRelayFeeRateSatPerKvb: 1_000n }, policy, 250_000n)).toThrow(
      expect.objectContaining({ code: 'WALLET_FEE_TOO_HIGH' }),
    )
  })
})

describe('checkFeeShare', () => {
  it('allows a fee of exactly the share and refuses one sat more', () => {
    expect(() => checkFeeShare(1_000n, 100n, 10n)).not.toThrow()
    expect(() => checkFeeShare(1_000n, 101n, 10n)).toThrow(
      expect.objectContaining({ code: 'WALLET_FEE_TOO_HIGH' }),
    )
  })
})
