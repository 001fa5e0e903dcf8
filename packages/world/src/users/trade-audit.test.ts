import type { TradeAuditRow } from '@dolly/plebnet'
import { describe, expect, it } from 'vitest'
import { renderAudit } from '../cli/traffic.ts'
import { crossCheckTrades, type HomeAuditReport } from './trade-audit.ts'

const MB = 1n << 20n
const AGENT = 'a'.repeat(64)
const USER = 'b'.repeat(64)

/** One trade as each side's audit row sees it: 100 MB for 10 000 sats, both completed by default. */
function sides(
  over: { seller?: Partial<TradeAuditRow>; buyer?: Partial<TradeAuditRow> } = {},
): HomeAuditReport[] {
  const common = {
    tradeId: 'T1',
    outcome: 'completed' as const,
    termsMbBytes: 100n * MB,
    termsSats: 10_000n,
    journalMbBytes: 100n * MB,
    ledgerMbBytes: 100n * MB,
    journalSats: 10_000n,
    chainSats: 10_000n,
    problems: [],
  }
  return [
    {
      name: 'dolly1h3 (10.77.1.3)',
      kind: 'agent',
      home: '/h',
      key: AGENT,
      trades: [{ ...common, role: 'mb', counterparty: USER, ...over.seller }],
    },
    {
      name: 'user1',
      kind: 'user',
      home: '/u',
      key: USER,
      trades: [{ ...common, role: 'btc', counterparty: AGENT, ...over.buyer }],
    },
  ]
}

describe('the world trade audit, both sides of a trade', () => {
  it('a trade both sides completed alike is one trade, seen from both sides, without problems', () => {
    const homes = sides()
    const r = crossCheckTrades(homes)
    expect(r).toEqual({ pairs: 1, completed: 1, aborted: 0, open: 0, problems: [] })
    expect(renderAudit({ homes, ...r }).split('\n')).toEqual([
      'dolly1h3 (10.77.1.3) (agent): 1 trades (1 completed, 0 aborted, 0 open); MB on the ledger 100.00 sold, 0.00 bought; 10000 sats on the chain; ok',
      'user1 (user): 1 trades (1 completed, 0 aborted, 0 open); MB on the ledger 0.00 sold, 100.00 bought; 10000 sats on the chain; ok',
      'audit: 1 trades (1 completed, 0 aborted, 0 open), 1 seen from both sides; 0 problems',
    ])
  })

  it('an aborted trade may leave the seller short of the last payment, never ahead of the buyer', () => {
    const ok = sides({
      seller: { outcome: 'aborted', journalSats: 3_000n, chainSats: 3_000n, ledgerMbBytes: 70n * MB },
      buyer: { outcome: 'aborted', journalSats: 6_000n, chainSats: 6_000n, ledgerMbBytes: 70n * MB },
    })
    expect(crossCheckTrades(ok)).toMatchObject({ pairs: 1, aborted: 1, problems: [] })
    const ahead = sides({
      seller: { outcome: 'aborted', journalSats: 9_000n },
      buyer: { outcome: 'aborted', chainSats: 6_000n },
    })
    expect(crossCheckTrades(ahead).problems).toEqual([
      "dolly1h3 (10.77.1.3) / user1 T1: the seller counted 9000 sats, the buyer's wallet paid 6000",
    ])
  })

  it('different terms, or a completed trade moving different amounts on the two sides, are problems', () => {
    expect(crossCheckTrades(sides({ buyer: { termsSats: 9_000n } })).problems).toEqual([
      `dolly1h3 (10.77.1.3) / user1 T1: terms differ (${100n * MB} B / 10000 sats vs ${100n * MB} / 9000)`,
    ])
    expect(crossCheckTrades(sides({ buyer: { ledgerMbBytes: 99n * MB } })).problems).toEqual([
      `dolly1h3 (10.77.1.3) / user1 T1: completed on both sides, but ${100n * MB} vs ${99n * MB} bytes, 10000 vs 10000 sats`,
    ])
  })

  it("keeps the homes' own problems first and counts a trade seen from one side once", () => {
    const [agent] = sides()
    if (agent === undefined) throw new Error('unreachable')
    const r = crossCheckTrades([agent], ['dolly1h3 (10.77.1.3) T1: tx x is not on the chain'])
    expect(r).toEqual({
      pairs: 0,
      completed: 1,
      aborted: 0,
      open: 0,
      problems: ['dolly1h3 (10.77.1.3) T1: tx x is not on the chain'],
    })
  })
})
