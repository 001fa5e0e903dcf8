import { DecisionError } from '@dolly/learning'

/** One side of an order's asset pair. */
export interface AssetAmount {
  /** Integer amount (sats for BTC/TBTC, MB for MB). */
  readonly amount: bigint
  /** Asset type: `BTC`, `TBTC` or `MB`. */
  readonly type: string
}

/** A bid tick in the order book, as `GET /market/bids` lists it. */
export interface BidTick {
  /** Order id (trader id + order number). */
  readonly id: string
  /** Who placed it. */
  readonly traderId: string
  /** First asset (the coin). */
  readonly first: AssetAmount
  /** Second asset (MB). */
  readonly second: AssetAmount
  /** When the tick expires, ms. */
  readonly expiresMs: number
}

/** A counter-order for the shell to place with `PUT /market/asks` (no timeout). */
export interface MirrorAsk {
  /** The tick this ask mirrors. */
  readonly tickId: string
  /** Exactly the tick's first asset. */
  readonly first: AssetAmount
  /** Exactly the tick's second asset. */
  readonly second: AssetAmount
}

/** What the buybot remembers: mirrored tick id → the tick's expiry, ms. */
export interface BuybotState {
  /** Ticks already mirrored and not yet expired. */
  readonly mirrored: Readonly<Record<string, number>>
}

/** Inputs of one buybot round (every 300 s). */
export interface BuybotInput {
  /** Current bids. */
  readonly bids: readonly BidTick[]
  /** `TBTC` in testnet (from the config), else `BTC`. */
  readonly coin: string
  /** The buybot's own trader id; its own ticks are never mirrored. */
  readonly traderId: string
  /** Highest price mirrored, BTC per MB as a decimal string ("less or equal", as the README says). */
  readonly limitBtcPerMb: string
  /** Now, ms. */
  readonly nowMs: number
}

/** Price of a tick in BTC per MB: `(first.amount / 1e8) / second.amount`. */
export function tickPriceBtcPerMb(tick: BidTick): number {
  return Number(tick.first.amount) / 1e8 / Number(tick.second.amount)
}

/** An exact decimal: `numerator / 10^scale`. */
interface Decimal {
  readonly numerator: bigint
  readonly scale: bigint
}

/** Parses a non-negative decimal string exactly; `PLEBNET_STRATEGY_INPUT_INVALID` otherwise. */
export function parseLimit(text: string): Decimal {
  const m = /^(\d{1,20})(?:\.(\d{1,30}))?$/.exec(text)
  if (m === null) {
    throw new DecisionError(
      'PLEBNET_STRATEGY_INPUT_INVALID',
      `buybot limit must be a decimal BTC-per-MB price like 0.00001, got "${text}"`,
      { limit: text },
    )
  }
  const frac = m[2] ?? ''
  return { numerator: BigInt(`${m[1] ?? '0'}${frac}`), scale: BigInt(frac.length) }
}

/** Exact `(first/1e8)/second ≤ limit`, i.e. `first · 10^scale ≤ numerator · 1e8 · second`. */
function withinLimit(tick: BidTick, limit: Decimal): boolean {
  return tick.first.amount * 10n ** limit.scale <= limit.numerator * 100_000_000n * tick.second.amount
}

/**
 * One buybot round (ALGORITHMS.md §5.7): mirror, cheapest first, every (coin, MB) bid priced at or
 * below the limit that is not ours and not mirrored before. The shell places the asks 10 s apart.
 * Expired ticks are forgotten.
 */
export function decideBuybot(
  state: BuybotState,
  input: BuybotInput,
): { readonly state: BuybotState; readonly asks: readonly MirrorAsk[] } {
  // Null prototype: tick ids come from the network, and `__proto__` must stay an ordinary key.
  const mirrored = Object.create(null) as Record<string, number>
  for (const [id, expiresMs] of Object.entries(state.mirrored))
    if (expiresMs > input.nowMs) mirrored[id] = expiresMs
  const limit = parseLimit(input.limitBtcPerMb)
  const candidates = input.bids
    .filter(
      (t) =>
        t.first.type === input.coin &&
        t.second.type === 'MB' &&
        t.second.amount > 0n &&
        t.first.amount > 0n &&
        t.expiresMs > input.nowMs &&
        t.traderId !== input.traderId &&
        !Object.hasOwn(mirrored, t.id) &&
        withinLimit(t, limit),
    )
    .sort((a, b) => {
      // Exact cross-multiplied comparison of a.first/a.second and b.first/b.second.
      const l = a.first.amount * b.second.amount
      const r = b.first.amount * a.second.amount
      if (l !== r) return l < r ? -1 : 1
      return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
    })
  const asks: MirrorAsk[] = []
  for (const t of candidates) {
    if (Object.hasOwn(mirrored, t.id)) continue
    mirrored[t.id] = t.expiresMs
    asks.push({ tickId: t.id, first: t.first, second: t.second })
  }
  return { state: { mirrored }, asks }
}
