import { DEFAULT_MAX_REMOTES, DEFAULT_REWARD_CAP, DEFAULT_TRIM_F } from './constants.ts'
import { DecisionError } from './errors.ts'
import { boundRemoteOffers, updateQTable, type QTable } from './q-table.ts'
import { takeRemotes, type RemoteEntry, type RemoteInbox } from './remote-tables.ts'
import { computeReward, type RewardResult } from './reward.ts'

/**
 * The learning step of the tick (AGENT.md §3.4 step 7) as a pure function: the reward of the
 * server the agent lives on (ALGORITHMS.md §3) from what it earned over what it cost, and the
 * QD-learning update (§2.3) with the neighbours' gossiped tables chosen by the Sybil rule
 * (`takeRemotes`: family, then known by seniority, then at most F strangers).
 */

/** What the agent's server cost and earned, for the reward. */
export interface EfficiencyInput {
  /** MB the agent earned since `birthMs` (its ledger balance growth); 0 before it earns anything. */
  readonly earnedMb: number
  /** Sats paid for the server the agent lives on; null when unknown (bought by hand). */
  readonly investedSats: bigint | null
  /** The exchange rate the sats were paid at, sats per US dollar (> 0). */
  readonly satsPerUsd: bigint
  /** When the agent was born, ms. */
  readonly birthMs: number
  /** Now, ms. */
  readonly nowMs: number
}

/**
 * The efficiency reward (ALGORITHMS.md §3): `clamp(mb / (price_usd · days_alive) / 20000, 0, cap)`
 * with price_usd the money invested in the server (its price in sats at the rate it was paid at).
 * Unknown or zero investment gives 0 with the PRICE_UNKNOWN warning, as an unknown price does.
 *
 * Throws `PLEBNET_OPTIONS_INVALID` for a non-positive rate (a caller bug).
 */
export function efficiencyReward(
  input: EfficiencyInput,
  rewardCap: number = DEFAULT_REWARD_CAP,
): RewardResult {
  if (input.satsPerUsd <= 0n) {
    throw new DecisionError(
      'PLEBNET_OPTIONS_INVALID',
      `sats per USD must be positive, got ${input.satsPerUsd}`,
      {
        satsPerUsd: input.satsPerUsd.toString(),
      },
    )
  }
  const priceUsdCents =
    input.investedSats === null ? null : Number(input.investedSats * 100n) / Number(input.satsPerUsd)
  return computeReward(
    { priceUsdCents, birthMs: input.birthMs, nowMs: input.nowMs, earnedMb: input.earnedMb },
    rewardCap,
  )
}

/** One purchase outcome with everything the update reads. */
export interface LearnInput extends EfficiencyInput {
  /** The agent's own table. */
  readonly table: QTable
  /** The neighbours' pending tables with their senders' standings (the overlay's inbox). */
  readonly inbox: RemoteInbox
  /** The offer the agent tried to buy for a child (action a). */
  readonly attempted: string
  /** The offer the agent lives on (state c). */
  readonly current: string
  /** Whether the purchase succeeded. */
  readonly success: boolean
}

/** Tunables of the step (`[qd]` of the config). */
export interface LearnOptions {
  /** `qd.trim_f`: trimmed per cell, and the most stranger tables merged per update (default 1). */
  readonly trimF?: number
  /** `qd.max_remotes`: tables merged per update at most (default 8). */
  readonly maxRemotes?: number
  /** `qd.reward_cap` (default 1). */
  readonly rewardCap?: number
}

/** What the step produced. */
export interface LearnResult {
  /** The updated table. */
  readonly table: QTable
  /** The remote entries merged: each is used once, so the caller marks them used. */
  readonly taken: readonly RemoteEntry[]
  /** The reward the update used (with its warning, if any, for the log). */
  readonly reward: RewardResult
}

/**
 * Learns from one purchase outcome: the efficiency reward, then `updateQTable` with at most
 * `maxRemotes` remote tables taken from `inbox` by the Sybil rule (at most `trimF` of them
 * strangers', so the F-trimmed consensus keeps every merged value within the family and known
 * values). New offers the remotes bring are added up to MAX_OFFERS (`boundRemoteOffers`).
 */
export function learnFromOutcome(input: LearnInput, options: LearnOptions = {}): LearnResult {
  const trimF = options.trimF ?? DEFAULT_TRIM_F
  const reward = efficiencyReward(input, options.rewardCap ?? DEFAULT_REWARD_CAP)
  const { tables, taken } = takeRemotes(input.inbox, options.maxRemotes ?? DEFAULT_MAX_REMOTES, trimF)
  // A remote may bring offers we do not know; the table must stay within what its codec reads back.
  const remotes = boundRemoteOffers([...input.table.offers, input.attempted, input.current], tables)
  const table = updateQTable(
    input.table,
    {
      attempted: input.attempted,
      current: input.current,
      success: input.success,
      reward: reward.reward,
      remotes,
    },
    { trimF },
  )
  return { table, taken, reward }
}
