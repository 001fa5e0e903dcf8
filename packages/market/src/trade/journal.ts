/**
 * The trade journal's entries, their JSON-line form and the in-memory adapter. Every intent is
 * appended before its effect and its outcome after (README "Crash recovery").
 */
import { MarketError } from '../errors.ts'
import { checkTradeTerms, type TradeTerms } from './terms.ts'

/** The append-only trade journal: the port the engine records every intent and outcome in. */
export interface TradeJournal {
  /** Appends `entry` durably: resolves once it would survive a crash. */
  append(entry: JournalEntry): Promise<void>
  /** Every entry, in append order. */
  readAll(): Promise<readonly JournalEntry[]>
}

/** One journal line. */
export type JournalEntry =
  /** We proposed or countered these terms (no money moves in negotiation). */
  | { readonly kind: 'offered'; readonly terms: TradeTerms; readonly atMs: number }
  /** The trade is agreed on `terms`; `acceptedBy` says who sent START_TX (accept). */
  | {
      readonly kind: 'open'
      readonly terms: TradeTerms
      readonly acceptedBy: 'me' | 'peer'
      /** The 0-conf allowance trust granted this trade, sats. */
      readonly zeroConfSats: bigint
      readonly atMs: number
    }
  /** The Bitcoin address the sats go to (given by the MB seller). */
  | { readonly kind: 'address'; readonly tradeId: string; readonly address: string }
  /** About to make our n-th payment under idempotency `key`. */
  | {
      readonly kind: 'pay-intent'
      readonly tradeId: string
      readonly n: number
      readonly amount: bigint
      readonly key: string
    }
  /** Our n-th payment happened: transfer id or txid. */
  | {
      readonly kind: 'pay-done'
      readonly tradeId: string
      readonly n: number
      readonly amount: bigint
      readonly ref: string
    }
  /** The counterparty's n-th payment counts (verified on our ledger or wallet). */
  | {
      readonly kind: 'received'
      readonly tradeId: string
      readonly n: number
      readonly amount: bigint
      readonly ref: string
      /** Counted before it confirmed. */
      readonly zeroConf: boolean
    }
  /** The trade ended. */
  | {
      readonly kind: 'closed'
      readonly tradeId: string
      readonly outcome: 'completed' | 'aborted'
      readonly reason: string
      readonly atMs: number
    }

/** The trade an entry belongs to. */
export function entryTradeId(entry: JournalEntry): string {
  return entry.kind === 'offered' || entry.kind === 'open' ? entry.terms.tradeId : entry.tradeId
}

/** One JSON line (bigints as decimal strings, no newline). */
export function formatJournalEntry(entry: JournalEntry): string {
  return JSON.stringify(entry, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))
}

const BIG = /^(0|[1-9][0-9]*)n$/

/** Parses one line written by {@link formatJournalEntry}; throws MARKET_TRADE_JOURNAL_CORRUPT. */
export function parseJournalEntry(line: string, where: string): JournalEntry {
  const corrupt = (why: string): never => {
    throw new MarketError(
      'MARKET_TRADE_JOURNAL_CORRUPT',
      `trade journal ${where}: ${why}; restore it from a backup`,
      {
        where,
      },
    )
  }
  let value: unknown
  try {
    value = JSON.parse(line, (_k, v: unknown) =>
      typeof v === 'string' && BIG.test(v) ? BigInt(v.slice(0, -1)) : v,
    )
  } catch {
    corrupt('not JSON')
  }
  if (typeof value !== 'object' || value === null) corrupt('not an object')
  const e = value as Record<string, unknown>
  const has = (k: string, t: string): boolean => typeof e[k] === t
  const ok = ((): boolean => {
    switch (e.kind) {
      case 'offered':
        return has('terms', 'object') && has('atMs', 'number')
      case 'open':
        return (
          has('terms', 'object') &&
          (e.acceptedBy === 'me' || e.acceptedBy === 'peer') &&
          has('zeroConfSats', 'bigint') &&
          has('atMs', 'number')
        )
      case 'address':
        return has('tradeId', 'string') && has('address', 'string')
      case 'pay-intent':
        return (
          has('tradeId', 'string') && has('n', 'number') && has('amount', 'bigint') && has('key', 'string')
        )
      case 'pay-done':
        return (
          has('tradeId', 'string') && has('n', 'number') && has('amount', 'bigint') && has('ref', 'string')
        )
      case 'received':
        return (
          has('tradeId', 'string') &&
          has('n', 'number') &&
          has('amount', 'bigint') &&
          has('ref', 'string') &&
          has('zeroConf', 'boolean')
        )
      case 'closed':
        return (
          has('tradeId', 'string') &&
          (e.outcome === 'completed' || e.outcome === 'aborted') &&
          has('reason', 'string') &&
          has('atMs', 'number')
        )
      default:
        return false
    }
  })()
  if (!ok) corrupt(`not a journal entry of a known kind (${String(e.kind)})`)
  if (e.kind === 'offered' || e.kind === 'open') {
    try {
      checkTradeTerms(e.terms as TradeTerms)
    } catch {
      corrupt('terms are not valid')
    }
  }
  return value as JournalEntry
}

/** An in-memory journal (tests, simulator); `entries` is the live list. */
export interface MemoryTradeJournal extends TradeJournal {
  readonly entries: readonly JournalEntry[]
}

/** A fresh in-memory journal. Entries round-trip through their line form, as the file's do. */
export function createMemoryTradeJournal(): MemoryTradeJournal {
  const entries: JournalEntry[] = []
  return {
    entries,
    append(entry) {
      entries.push(parseJournalEntry(formatJournalEntry(entry), 'memory'))
      return Promise.resolve()
    },
    readAll() {
      return Promise.resolve([...entries])
    },
  }
}
