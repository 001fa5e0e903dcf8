/** An open sell order in the demo market: sell `mb` MB for `sats` satoshis. */
export interface DemoOrder {
  /** The selling agent's tree path. */
  readonly agent: string
  /** MB offered. */
  readonly mb: bigint
  /** Satoshis asked for all of it. */
  readonly sats: bigint
  /** When the order lapses, ms. */
  readonly expiresMs: number
}

/** One fill. */
export interface DemoFill {
  /** The seller. */
  readonly agent: string
  /** MB bought. */
  readonly mb: bigint
  /** Satoshis paid, at least the asked rate (a partial fill rounds up). */
  readonly sats: bigint
}

/** The buyers' side of one tick. */
export interface DemoDemand {
  /** Satoshis the buyers spend at most this tick. */
  readonly budgetSats: bigint
  /** Highest price they pay, sat per MB, as an exact ratio numerator/denominator. */
  readonly limitSats: bigint
  /** Denominator of the limit: the limit is `limitSats / limitMb` sat per MB. */
  readonly limitMb: bigint
}

/**
 * Clears the book against the buyers (price priority: cheapest sat/MB first, ties by agent so the
 * result is deterministic). Orders above the limit are left; a partial fill takes as many whole MB
 * as the remaining budget pays for at the order's rate.
 */
export function clearMarket(
  orders: readonly DemoOrder[],
  demand: DemoDemand,
): { readonly fills: readonly DemoFill[]; readonly spentSats: bigint } {
  const eligible = orders
    .filter((o) => o.mb > 0n && o.sats > 0n && o.sats * demand.limitMb <= demand.limitSats * o.mb)
    .sort((a, b) => {
      const l = a.sats * b.mb
      const r = b.sats * a.mb
      if (l !== r) return l < r ? -1 : 1
      return a.agent < b.agent ? -1 : a.agent > b.agent ? 1 : 0
    })
  let budget = demand.budgetSats
  const fills: DemoFill[] = []
  for (const o of eligible) {
    if (budget <= 0n) break
    // Whole MB the budget buys at this order's rate: floor(budget · mb / sats).
    const mb = o.sats <= budget ? o.mb : (budget * o.mb) / o.sats
    if (mb <= 0n) continue
    // Rounded up: a seller never gets less than its asked rate, and mb ≤ budget·o.mb/o.sats keeps it within budget.
    const sats = mb === o.mb ? o.sats : (mb * o.sats + o.mb - 1n) / o.mb
    budget -= sats
    fills.push({ agent: o.agent, mb, sats })
  }
  return { fills, spentSats: demand.budgetSats - budget }
}
