import { z } from 'zod'
import { STRATEGY_NAMES } from '@dolly/learning'
import { initialStrategyState } from './common.ts'
import type { StrategyState } from './types.ts'

/**
 * What the agent's sell step keeps between ticks (`strategy.json` in its home): the strategy's own
 * state (ALGORITHMS.md §5), the number of its next order, the order the strategy placed last, and
 * the order it is placing now. The last is the journal of the step: it is saved before the market
 * is asked to place the order (the intent) and cleared after (the outcome), and placing an order
 * again under its number is a no-op, so a kill between the two places it once.
 */
export interface SellState {
  readonly strategy: StrategyState
  /** Our next order's number (each ask is `(our key, number)` on the market). */
  readonly nextNumber: number
  /** The number of the order the strategy placed last (the one its next `cancel-last` cancels). */
  readonly lastOrder: number | null
  /** An order being placed: saved before the market hears of it. */
  readonly placing: PlacingOrder | null
  /** The strategy that decided last, and its rule (for the status). */
  readonly last: { readonly strategy: string; readonly rule: string; readonly atMs: number } | null
}

/** An ask on its way to the market. */
export interface PlacingOrder {
  readonly number: number
  /** MB token bytes offered (MB = bytes / 2^20). */
  readonly mbBytes: bigint
  /** Satoshis asked for them. */
  readonly sats: bigint
  readonly timeoutS: number
}

/** The sell state of an agent that never sold. */
export function initialSellState(): SellState {
  return { strategy: initialStrategyState(), nextNumber: 1, lastOrder: null, placing: null, last: null }
}

const amount = z.string().regex(/^\d{1,24}$/)
const accumulation = z.strictObject({
  timeAccumulatedMin: z.number().finite().nonnegative(),
  partsSoldToday: z.number().finite(),
  day: z.string().max(10),
  lastOrder: z
    .strictObject({ bidSize: z.number().finite(), bidTimeMin: z.number().finite().nonnegative() })
    .nullable(),
})
const SellStateJson = z.strictObject({
  version: z.literal(1),
  strategy: z.strictObject({
    lastOffer: z.strictObject({ mb: amount, btcSats: amount }).nullable(),
    lastOfferMs: z.number().int().nonnegative(),
    sma: accumulation,
    crossover: accumulation,
  }),
  nextNumber: z.number().int().positive(),
  lastOrder: z.number().int().positive().nullable(),
  placing: z
    .strictObject({
      number: z.number().int().positive(),
      mbBytes: amount,
      sats: amount,
      timeoutS: z.number().int().positive().max(86_400),
    })
    .nullable(),
  last: z
    .strictObject({
      strategy: z.enum(STRATEGY_NAMES),
      rule: z.string().max(64),
      atMs: z.number().int().nonnegative(),
    })
    .nullable(),
})

/** The JSON of a sell state (bigints as decimal strings). */
export function serializeSellState(state: SellState): unknown {
  const s = state.strategy
  return {
    version: 1,
    strategy: {
      lastOffer:
        s.lastOffer === null
          ? null
          : { mb: s.lastOffer.mb.toString(), btcSats: s.lastOffer.btcSats.toString() },
      lastOfferMs: s.lastOfferMs,
      sma: s.sma,
      crossover: s.crossover,
    },
    nextNumber: state.nextNumber,
    lastOrder: state.lastOrder,
    placing:
      state.placing === null
        ? null
        : {
            ...state.placing,
            mbBytes: state.placing.mbBytes.toString(),
            sats: state.placing.sats.toString(),
          },
    last: state.last,
  }
}

/**
 * Reads a saved sell state.
 *
 * @throws ZodError when the document is not one (the caller names the file in its error)
 */
export function parseSellState(json: unknown): SellState {
  const v = SellStateJson.parse(json)
  const lastOffer = v.strategy.lastOffer
  const strategy: StrategyState = {
    lastOffer: lastOffer === null ? null : { mb: BigInt(lastOffer.mb), btcSats: BigInt(lastOffer.btcSats) },
    lastOfferMs: v.strategy.lastOfferMs,
    sma: v.strategy.sma,
    crossover: v.strategy.crossover,
  }
  return {
    strategy,
    nextNumber: v.nextNumber,
    lastOrder: v.lastOrder,
    placing:
      v.placing === null
        ? null
        : { ...v.placing, mbBytes: BigInt(v.placing.mbBytes), sats: BigInt(v.placing.sats) },
    last: v.last,
  }
}
