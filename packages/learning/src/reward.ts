import { AVERAGE_MB_PER_DAY, DEFAULT_REWARD_CAP, MS_PER_DAY } from './constants.ts'

/** Inputs of the reward ("efficiency" of the current server, ALGORITHMS.md §3). */
export interface RewardInput {
  /** Monthly USD price of the offer the agent lives on, in cents; null when unknown. */
  readonly priceUsdCents: number | null
  /** When the agent was born (setup), in ms. */
  readonly birthMs: number
  /** Now, in ms. */
  readonly nowMs: number
  /** MB earned: outgoing transfers + pending + available, in MB. */
  readonly earnedMb: number
}

/** The reward and, when it had to be 0 for lack of a price, why (the shell logs a warning). */
export interface RewardResult {
  /** In [0, cap]. */
  readonly reward: number
  /** Set when the price was missing or not positive. */
  readonly warning?: 'PRICE_UNKNOWN'
}

/**
 * `clamp(mb / (price_usd · days_alive) / (2 · 10000), 0, cap)` with `days_alive ≥ 1` (ALGORITHMS.md
 * §3). Guards the original lacked: an unknown or free price gives 0, a young agent counts a full
 * day, negative or non-finite MB counts as 0.
 */
export function computeReward(input: RewardInput, rewardCap: number = DEFAULT_REWARD_CAP): RewardResult {
  const cents = input.priceUsdCents
  if (cents === null || !Number.isFinite(cents) || cents <= 0) return { reward: 0, warning: 'PRICE_UNKNOWN' }
  const daysAlive = Math.max(1, (input.nowMs - input.birthMs) / MS_PER_DAY)
  const mb = Number.isFinite(input.earnedMb) && input.earnedMb > 0 ? input.earnedMb : 0
  const raw = mb / ((cents / 100) * daysAlive) / (2 * AVERAGE_MB_PER_DAY)
  return { reward: Number.isFinite(raw) ? Math.min(Math.max(raw, 0), rewardCap) : 0 }
}
