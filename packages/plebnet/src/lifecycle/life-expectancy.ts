import { DecisionError } from '@dolly/learning/errors'

/** Seconds per day. */
const SECONDS_PER_DAY = 86_400

/** Time a bought server needs to become a running child (AGENT.md §15 "install margin", 6 h). */
export const INSTALL_MARGIN_MS = 6 * 3_600_000

/** Inputs of the prediction (AGENT.md §15), all per tick. */
export interface LifeInput {
  /** Lease remaining `L = expiration − now`, ms (negative counts as 0). */
  readonly leaseRemainingMs: number
  /** BTC available `B`, sats. */
  readonly btcSats: bigint
  /** MB available `M`. */
  readonly mbAvailable: bigint
  /** MB earn rate `ρ` = MB earned / days alive, MB per day. */
  readonly earnMbPerDay: number
  /** MB price `p`, sat/MB: the last trade price, or the SMA without trades. */
  readonly priceSatPerMb: number
  /** Replication cost `C = ceil((vps + vpn) · 1.15)`, sats, > 0. */
  readonly replicationCostSats: bigint
  /** Install margin, ms (default 6 h). */
  readonly installMarginMs?: number
}

/** The prediction. */
export interface LifeExpectancy {
  /** `B_T = B + (M + ρ·L/86400)·p`, sats, rounded down (a projection never overstates). */
  readonly projectedBtcAtDeathSats: bigint
  /** `floor(B_T / C)`. */
  readonly childrenAffordable: bigint
  /** `max(0, (C − B − M·p)/(ρ·p))` days; null when never (no earning or no price). */
  readonly daysUntilNextChild: number | null
  /** The next child is affordable before `L − install margin`. */
  readonly viable: boolean
  /** Days of lease left. */
  readonly daysLeft: number
}

/**
 * Life expectancy (AGENT.md §15, thesis "Should have"): what the agent will have when its lease
 * ends, how many children that buys, and whether the next one comes in time. Throws
 * `PLEBNET_OPTIONS_INVALID` for a replication cost ≤ 0 or non-finite rates.
 */
export function predictLife(input: LifeInput): LifeExpectancy {
  if (
    input.replicationCostSats <= 0n ||
    !Number.isFinite(input.earnMbPerDay) ||
    !Number.isFinite(input.priceSatPerMb)
  ) {
    throw new DecisionError(
      'PLEBNET_OPTIONS_INVALID',
      `life expectancy needs a positive replication cost and finite rates, got C=${input.replicationCostSats}, ρ=${input.earnMbPerDay}, p=${input.priceSatPerMb}`,
      {
        replicationCostSats: input.replicationCostSats,
        earnMbPerDay: input.earnMbPerDay,
        priceSatPerMb: input.priceSatPerMb,
      },
    )
  }
  const leaseS = Math.max(0, input.leaseRemainingMs) / 1000
  const rho = Math.max(0, input.earnMbPerDay)
  const p = Math.max(0, input.priceSatPerMb)
  const mb = Number(input.mbAvailable > 0n ? input.mbAvailable : 0n)
  const futureSats = BigInt(Math.floor((mb + (rho * leaseS) / SECONDS_PER_DAY) * p))
  const projected = input.btcSats + futureSats
  const children = projected > 0n ? projected / input.replicationCostSats : 0n
  const deficit = Number(input.replicationCostSats - input.btcSats) - mb * p
  const daysUntilNextChild = deficit <= 0 ? 0 : rho * p > 0 ? deficit / (rho * p) : null
  const marginS = (input.installMarginMs ?? INSTALL_MARGIN_MS) / 1000
  const viable = daysUntilNextChild !== null && daysUntilNextChild * SECONDS_PER_DAY < leaseS - marginS
  return {
    projectedBtcAtDeathSats: projected,
    childrenAffordable: children,
    daysUntilNextChild,
    viable,
    daysLeft: leaseS / SECONDS_PER_DAY,
  }
}
