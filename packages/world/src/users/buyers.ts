import type { Rng } from '@dolly/base'
import { WorldError } from '../errors.ts'
import { chooseFreeRiders } from './demand.ts'

/**
 * The world's token buyers (issue 17; DESIGN.md §5 "the money that keeps agents alive"): every user
 * that pays its circuits (every one but the free riders) spends MB tokens from its ledger and buys
 * more with Bitcoin on the agents' market when its balance runs low, out of an allowance the faucet
 * pays it every world month. Pure: who buys at what price, who cheats.
 *
 * - **Price**: each buyer's limit, sats per MB, is log-uniform between `minSatPerMb` and
 *   `maxSatPerMb` (default 50..500, geometric mean 158: an agent that relays about 100 MB a world
 *   month sells them for about one world server, 5,000–20,000 sats at 1,000 sats/USD); it bids at
 *   that limit, so the matching engine fills it at the agents' asks when those are lower, and an agent
 *   asking more than every user accepts sells nothing. A match must be worth at least 6,000 sats
 *   (plebnet's MIN_MATCH_SATS: a smaller payment would be dust), 12–120 MB at these prices.
 * - **Amounts**: a bid for `bidMb` (default 256) once the balance is below `belowMb` (default 64),
 *   standing a world day (`bidTimeoutS`).
 * - **Cheaters**: exactly round(`cheaterFraction` × buyers) of the buyers (default 0.2), chosen
 *   uniformly, cheat: the first, third… `never-pay`, the second, fourth… `stop-paying` (pays a trade's
 *   first payment only). Sellers must lose at most one increment to each.
 */

/** What one buyer does on the market. */
export interface BuyerProfile {
  /** The most it pays per MB, sats (its bids' price). */
  readonly maxSatPerMb: bigint
  readonly cheat?: 'never-pay' | 'stop-paying'
}

/** Options of the buyers' model. */
export interface BuyerModelOptions {
  readonly minSatPerMb: number
  readonly maxSatPerMb: number
  readonly cheaterFraction: number
}

/** Defaults of the model (see the module comment). */
export const BUYER_DEFAULTS = {
  minSatPerMb: 50,
  maxSatPerMb: 500,
  cheaterFraction: 0.2,
  belowMb: 64,
  bidMb: 256,
  /** A bid stands for a world day (the longest an order may): agents' asks come and go with their ticks. */
  bidTimeoutS: 86_400,
  /** Sats the faucet pays each buyer at the start and every world month. */
  allowanceSats: 50_000n,
} as const

/**
 * Profiles of the users (undefined: a free rider, which never pays and so never buys), drawn from
 * `rng` in user order.
 */
export function planBuyers(
  rng: Rng,
  freeRiders: readonly boolean[],
  options: BuyerModelOptions,
): (BuyerProfile | undefined)[] {
  const { minSatPerMb: lo, maxSatPerMb: hi } = options
  if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || lo < 1 || hi < lo)
    throw new WorldError(
      'WORLD_INVALID_OPTION',
      `buyer prices must be whole sats per MB with 1 <= min <= max, got ${lo}..${hi}`,
      { minSatPerMb: lo, maxSatPerMb: hi },
    )
  const buyers = freeRiders.flatMap((free, i) => (free ? [] : [i]))
  const cheats = chooseFreeRiders(rng, buyers.length, options.cheaterFraction)
  const profiles: (BuyerProfile | undefined)[] = freeRiders.map(() => undefined)
  let cheaters = 0
  buyers.forEach((user, k) => {
    const price = BigInt(Math.round(Math.exp(Math.log(lo) + rng.float() * (Math.log(hi) - Math.log(lo)))))
    const cheat = cheats[k] === true ? (cheaters++ % 2 === 0 ? 'never-pay' : 'stop-paying') : undefined
    profiles[user] = { maxSatPerMb: price, ...(cheat === undefined ? {} : { cheat }) }
  })
  return profiles
}
