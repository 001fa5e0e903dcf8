import { describe, expect, it } from 'vitest'
import { decideBuybot, type BidTick } from './buybot.ts'

function tick(id: string, sats: bigint, mb: bigint, over: Partial<BidTick> = {}): BidTick {
  return {
    id,
    traderId: 'seller',
    first: { amount: sats, type: 'BTC' },
    second: { amount: mb, type: 'MB' },
    expiresMs: 10_000,
    ...over,
  }
}

const input = { coin: 'BTC', traderId: 'me', limitBtcPerMb: '0.00000001', nowMs: 1_000 }

describe('decideBuybot (ALGORITHMS.md §5.7)', () => {
  it('mirrors bids at or below the limit, cheapest first, with the same amounts and types', () => {
    const bids = [
      tick('b', 100n, 100n), // exactly 1e-8 BTC/MB: "less or equal" (README), not the code's "<"
      tick('a', 50n, 100n),
      tick('c', 101n, 100n), // above the limit
    ]
    const r = decideBuybot({ mirrored: {} }, { ...input, bids })
    expect(r.asks.map((a) => a.tickId)).toEqual(['a', 'b'])
    expect(r.asks[0]).toEqual({
      tickId: 'a',
      first: { amount: 50n, type: 'BTC' },
      second: { amount: 100n, type: 'MB' },
    })
    expect(Object.keys(r.state.mirrored).sort()).toEqual(['a', 'b'])
  })

  it('skips its own bids, other pairs, mirrored and expired ticks, and forgets expired mirrors', () => {
    const bids = [
      tick('own', 1n, 100n, { traderId: 'me' }),
      tick('tbtc', 1n, 100n, { first: { amount: 1n, type: 'TBTC' } }),
      tick('done', 1n, 100n),
      tick('old', 1n, 100n, { expiresMs: 500 }),
      tick('new', 1n, 100n),
    ]
    const r = decideBuybot({ mirrored: { done: 5_000, gone: 900 } }, { ...input, bids })
    expect(r.asks.map((a) => a.tickId)).toEqual(['new'])
    expect(Object.keys(r.state.mirrored).sort()).toEqual(['done', 'new'])
  })

  it('uses the testnet coin when told and treats a "__proto__" id as an ordinary id', () => {
    const bids = [tick('__proto__', 1n, 100n, { first: { amount: 1n, type: 'TBTC' } })]
    const r = decideBuybot({ mirrored: {} }, { ...input, coin: 'TBTC', bids })
    expect(r.asks).toHaveLength(1)
    expect(Object.hasOwn(r.state.mirrored, '__proto__')).toBe(true)
  })

  it('refuses a limit that is not a plain decimal with a code', () => {
    for (const limit of ['1e-8', '-1', '', 'NaN', '0.1.2']) {
      expect(() => decideBuybot({ mirrored: {} }, { ...input, limitBtcPerMb: limit, bids: [] })).toThrow(
        expect.objectContaining({ code: 'PLEBNET_STRATEGY_INPUT_INVALID' }),
      )
    }
  })
})
