import { createMemoryLogger } from '@dolly/base'
import { checkTradeTerms, roleOf, type TradeSnapshot, type TradeTerms } from '@dolly/market'
import { describe, expect, it } from 'vitest'
import type { OwnMatch } from '../token-market.ts'
import { termsOfMatch, tradeMatch, type MatchSettler } from './trading.ts'

const SELLER = 'aa'.repeat(32)
const BUYER = 'bb'.repeat(32)

/** The MATCH a matchmaker sends both traders, as each side's adapter records it. */
function matchFor(me: 'seller' | 'buyer', takerSide: 'bid' | 'ask', over: Partial<OwnMatch> = {}): OwnMatch {
  const takerTrader = takerSide === 'bid' ? BUYER : SELLER
  const makerTrader = takerSide === 'bid' ? SELLER : BUYER
  return {
    id: '0123456789abcdef0123',
    matchmaker: 'mm',
    maker: `${makerTrader}:1`,
    taker: `${takerTrader}:7`,
    makerTrader,
    takerTrader,
    takerSide,
    mbBytes: 1_000n << 20n,
    sats: 100_000n,
    timeMs: 1,
    order: me === 'seller' ? `${SELLER}:1` : `${BUYER}:7`,
    side: me === 'seller' ? 'ask' : 'bid',
    counterparty: me === 'seller' ? BUYER : SELLER,
    counterpartyOrder: me === 'seller' ? `${BUYER}:7` : `${SELLER}:1`,
    ...over,
  }
}

describe('matches become trades', () => {
  it.each(['bid', 'ask'] as const)(
    'both traders derive the same terms (taker %s): the ask sells MB',
    (takerSide) => {
      const seller = termsOfMatch(matchFor('seller', takerSide))
      const buyer = termsOfMatch(matchFor('buyer', takerSide))
      expect(seller).toEqual(buyer)
      checkTradeTerms(seller)
      expect(roleOf(seller, SELLER)).toBe('mb')
      expect(roleOf(seller, BUYER)).toBe('btc')
      expect(seller).toMatchObject({
        tradeId: '0123456789abcdef0123',
        mbMinUnit: 1n << 20n,
        satsMinUnit: 6_000n,
      })
    },
  )

  it('a trade smaller than the minimum units pays in one step', () => {
    const t = termsOfMatch(matchFor('seller', 'bid', { mbBytes: 4096n, sats: 600n }))
    expect(t).toMatchObject({ mbMinUnit: 4096n, satsMinUnit: 600n })
  })

  it('reports completed trades as settled and aborted, failed or unstartable ones as not', async () => {
    const log = createMemoryLogger()
    const outcomes: boolean[] = []
    const report = (_m: OwnMatch, ok: boolean): void => void outcomes.push(ok)
    const settler = (phase: TradeSnapshot['phase'] | 'throws'): MatchSettler => ({
      onMatch: (terms: TradeTerms) =>
        phase === 'throws' ? Promise.reject(new Error('untrusted')) : Promise.resolve(void terms),
      settled: (tradeId) =>
        Promise.resolve({
          tradeId,
          role: 'mb',
          phase: phase === 'throws' ? 'aborted' : phase,
          paid: 1n,
          received: 2n,
          reason: '',
        }),
    })
    await tradeMatch(matchFor('seller', 'bid'), settler('completed'), report, log)
    await tradeMatch(matchFor('seller', 'bid'), settler('aborted'), report, log)
    await tradeMatch(matchFor('seller', 'bid'), settler('throws'), report, log)
    await tradeMatch(matchFor('seller', 'bid'), undefined, report, log)
    expect(outcomes).toEqual([true, false, false, false])
    expect(log.entries.map((e) => e.event)).toEqual([
      'market.trade_completed',
      'market.trade_aborted',
      'market.trade_failed',
      'market.match_unsettled',
    ])
  })
})
