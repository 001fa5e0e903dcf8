import { describe, expect, it } from 'vitest'
import { initialSellState, parseSellState, serializeSellState, type SellState } from './sell-state.ts'

describe('the sell state file (strategy.json)', () => {
  const state: SellState = {
    ...initialSellState(),
    strategy: {
      ...initialSellState().strategy,
      lastOffer: { mb: 8_000n, btcSats: 400_000n },
      lastOfferMs: 1_800_000_000_000,
    },
    nextNumber: 4,
    lastOrder: 3,
    placing: { number: 3, mbBytes: 8_000n << 20n, sats: 400_000n, timeoutS: 3600 },
    last: { strategy: 'constant_sell', rule: 'constant:offer', atMs: 1_800_000_000_000 },
  }

  it('round-trips through JSON, bigints exact', () => {
    expect(parseSellState(JSON.parse(JSON.stringify(serializeSellState(state))))).toEqual(state)
    expect(parseSellState(serializeSellState(initialSellState()))).toEqual(initialSellState())
  })

  it.each([
    ['an unknown key', { extra: 1 }],
    ['a negative amount', { placing: { number: 3, mbBytes: '-1', sats: '1', timeoutS: 3600 } }],
    ['a timeout over a day', { placing: { number: 3, mbBytes: '1', sats: '1', timeoutS: 86_401 } }],
    ['order number 0', { nextNumber: 0 }],
    ['an unknown strategy', { last: { strategy: 'moon', rule: 'x', atMs: 1 } }],
    ['another version', { version: 2 }],
  ])('rejects %s', (_name, change) => {
    const json = { ...(serializeSellState(state) as Record<string, unknown>), ...change }
    expect(() => parseSellState(json)).toThrow()
  })
})
