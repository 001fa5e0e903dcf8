import type { TradeAuditRow } from '@dolly/plebnet'

/**
 * The world's trade audit, its pure part: the homes' audits (plebnet's `auditHome`, read by
 * adapters/trade-audit.ts) checked against each other.
 */

/** One audited home. */
export interface HomeAuditReport {
  readonly name: string
  readonly kind: 'user' | 'agent'
  readonly home: string
  readonly key: string | undefined
  readonly trades: readonly TradeAuditRow[]
  /** Set when the home could not be audited (a journal line that does not parse, no chain named). */
  readonly error?: string
}

/** What {@link auditWorldTrades} found. */
export interface WorldTradeAudit {
  readonly homes: readonly HomeAuditReport[]
  /** Trades seen from both sides. */
  readonly pairs: number
  readonly completed: number
  readonly aborted: number
  readonly open: number
  /** Every problem, as `<home> <trade>: <problem>` (per-home ones first, then the two-sided ones). */
  readonly problems: readonly string[]
}

/**
 * The two sides of each trade whose both homes were audited, against each other, and the trades
 * counted once each; `problems` (the homes' own) is extended with the two-sided ones.
 */
export function crossCheckTrades(
  homes: readonly HomeAuditReport[],
  problems: string[] = [],
): Omit<WorldTradeAudit, 'homes'> {
  // The two sides of a trade: the seller's (`mb`) row and the buyer's (`btc`), matched by id and keys.
  const byKey = new Map(homes.filter((h) => h.key !== undefined).map((h) => [h.key, h]))
  let pairs = 0
  for (const seller of homes)
    for (const s of seller.trades) {
      if (s.role !== 'mb') continue
      const buyerHome = byKey.get(s.counterparty)
      const b = buyerHome?.trades.find((r) => r.tradeId === s.tradeId && r.counterparty === seller.key)
      if (buyerHome === undefined || b === undefined) continue
      pairs++
      const where = `${seller.name} / ${buyerHome.name} ${s.tradeId}`
      if (b.termsMbBytes !== s.termsMbBytes || b.termsSats !== s.termsSats)
        problems.push(
          `${where}: terms differ (${s.termsMbBytes} B / ${s.termsSats} sats vs ${b.termsMbBytes} / ${b.termsSats})`,
        )
      if (s.journalSats > b.chainSats)
        problems.push(
          `${where}: the seller counted ${s.journalSats} sats, the buyer's wallet paid ${b.chainSats}`,
        )
      if (
        s.outcome === 'completed' &&
        b.outcome === 'completed' &&
        (s.ledgerMbBytes !== b.ledgerMbBytes || s.chainSats !== b.chainSats)
      )
        problems.push(
          `${where}: completed on both sides, but ${s.ledgerMbBytes} vs ${b.ledgerMbBytes} bytes, ${s.chainSats} vs ${b.chainSats} sats`,
        )
    }
  // Each trade once: the seller's row where both sides are here, else the one side seen.
  const seen = new Set<string>()
  let completed = 0
  let aborted = 0
  let open = 0
  for (const h of homes)
    for (const r of h.trades) {
      const id = `${r.role === 'mb' ? h.key : r.counterparty}:${r.tradeId}`
      if (seen.has(id)) continue
      seen.add(id)
      if (r.outcome === 'completed') completed++
      else if (r.outcome === 'aborted') aborted++
      else open++
    }
  return { pairs, completed, aborted, open, problems }
}
