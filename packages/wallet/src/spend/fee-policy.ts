import { WalletError } from '../errors.ts'
import type { FeeEstimate } from '../types.ts'

/** Limits on the fee rate, in sat/kvB. */
export interface FeePolicy {
  readonly minFeeRateSatPerKvb: bigint
  readonly maxFeeRateSatPerKvb: bigint
  /** Used when the backend has no estimate. */
  readonly fallbackFeeRateSatPerKvb: bigint
}

/**
 * The fee rate to pay: an explicit rate if given, else the backend's estimate (or the fallback), raised to
 * the floor (our minimum and the node's relay minimum).
 *
 * @throws WalletError WALLET_FEE_TOO_HIGH when the rate would exceed the ceiling: we refuse rather than
 *   silently overpay or silently underpay.
 */
export function chooseFeeRate(estimate: FeeEstimate, policy: FeePolicy, explicitSatPerKvb?: bigint): bigint {
  const floor =
    estimate.minRelayFeeRateSatPerKvb > policy.minFeeRateSatPerKvb
      ? estimate.minRelayFeeRateSatPerKvb
      : policy.minFeeRateSatPerKvb
  const wanted = explicitSatPerKvb ?? estimate.feeRateSatPerKvb ?? policy.fallbackFeeRateSatPerKvb
  const rate = wanted < floor ? floor : wanted
  if (rate > policy.maxFeeRateSatPerKvb) {
    throw new WalletError(
      'WALLET_FEE_TOO_HIGH',
      `fee rate ${rate} sat/kvB is above the ceiling of ${policy.maxFeeRateSatPerKvb} sat/kvB; wait for fees to fall or raise the ceiling`,
      { feeRateSatPerKvb: rate, maxFeeRateSatPerKvb: policy.maxFeeRateSatPerKvb },
    )
  }
  return rate
}

/**
 * Refuses a fee above `maxPercent` of the amount (CLOUDOMATE.md §15.7).
 *
 * @throws WalletError WALLET_FEE_TOO_HIGH
 */
export function checkFeeShare(amountSats: bigint, feeSats: bigint, maxPercent: bigint): void {
  // Compare fee·100 > amount·max to stay in integers.
  if (feeSats * 100n > amountSats * maxPercent) {
    throw new WalletError(
      'WALLET_FEE_TOO_HIGH',
      `fee ${feeSats} sats is more than ${maxPercent}% of the ${amountSats} sats amount; send more at once or wait for lower fees`,
      { feeSats, amountSats, maxPercent },
    )
  }
}
