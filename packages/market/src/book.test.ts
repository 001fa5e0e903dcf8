import { describe, expect, it } from 'vitest'
import { createOrderBook } from './book.ts'
import { marketCodeOf } from './errors.ts'
import type { Order, OrderSide } from './order.ts'

const NOW = 1_700_000_000_000
const MB = 1n << 20n
const key = (n: number): string => n.toString(16).padStart(64, '0')
let numbers = 0
const order = (
  trader: number,
  side: OrderSide,
  mb: bigint,
  sats: bigint,
  extra: Partial<Order> = {},
): Order => ({
  trader: key(trader),
  number: numbers++,
  side,
  mbBytes: mb * MB,
  sats,
  timestampMs: NOW,
  timeoutS: 3600,
  ...extra,
})
function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    return marketCodeOf(err) ?? String(err)
  }
  return undefined
}

describe('order book', () => {
  it('matches with bigint amounts and order ids, rests the remainder, and learns who traded', () => {
    const book = createOrderBook()
    // ConstantSell's golden offer: sell 8 000 MB for 400 000 sat (50 sat/MB).
    const ask = order(1, 'ask', 8000n, 400_000n)
    expect(book.match(ask, NOW)).toMatchObject({ fills: [], rested: true, remaining: 8000n * MB })
    const bid = order(2, 'bid', 3000n, 160_000n) // up to 53.3 sat/MB
    const r = book.match(bid, NOW)
    expect(r.fills).toEqual([
      {
        maker: `${key(1)}:${ask.number}`,
        taker: `${key(2)}:${bid.number}`,
        makerTrader: key(1),
        takerTrader: key(2),
        takerSide: 'bid',
        mbBytes: 3000n * MB,
        sats: 150_000n, // the maker's price
      },
    ])
    expect(r.rested).toBe(false)
    expect(book.get(`${key(1)}:${ask.number}`)?.remaining).toBe(5000n * MB)
    expect(book.isKnown(key(1)) && book.isKnown(key(2))).toBe(true)
    expect(book.openOrdersOf(key(1))).toBe(1)
    expect(codeOf(() => book.match(ask, NOW))).toBe('MARKET_ORDER_REPLAYED')
    expect(codeOf(() => book.match(order(3, 'bid', 1n, 60n, { timeoutS: 10 }), NOW + 10_001))).toBe(
      'MARKET_ORDER_EXPIRED',
    )
  })

  it('skips blocked counterparties named by key', () => {
    const book = createOrderBook({ isBlocked: (m, t) => m === key(1) && t === key(3) })
    book.match(order(1, 'ask', 10n, 500n), NOW)
    book.match(order(2, 'ask', 10n, 600n), NOW)
    const r = book.match(order(3, 'bid', 10n, 600n), NOW)
    expect(r.fills.map((f) => f.makerTrader)).toEqual([key(2)])
    expect(book.side('ask').map((o) => o.trader)).toEqual([key(1)])
  })

  it('keeps at most N open orders per trader', () => {
    const book = createOrderBook({ maxOrdersPerTrader: 3 })
    const ids = [0, 1, 2].map(() => {
      const o = order(7, 'ask', 1n, 100n)
      book.match(o, NOW)
      return `${o.trader}:${o.number}`
    })
    expect(codeOf(() => book.match(order(7, 'ask', 1n, 100n), NOW))).toBe('MARKET_TRADER_LIMIT')
    expect(book.cancel(ids[0] ?? '')).toBe(true)
    expect(book.cancel(ids[0] ?? '')).toBe(false)
    expect(codeOf(() => book.match(order(7, 'ask', 1n, 100n), NOW))).toBeUndefined()
    expect(book.openOrdersOf(key(7))).toBe(3)
  })

  it('expires orders and forgets their traders', () => {
    const book = createOrderBook()
    const o = order(4, 'bid', 1n, 10n, { timeoutS: 60 })
    book.match(o, NOW)
    expect(book.expire(NOW + 60_000)).toEqual([])
    expect(book.expire(NOW + 60_001)).toEqual([`${key(4)}:${o.number}`])
    expect(book.size()).toBe(0)
    expect(book.traders()).toBe(0)
  })

  it('evicts only strangers when full: the oldest stranger order first, never a known trader', () => {
    const book = createOrderBook({ maxOrders: 4, maxOrdersPerTrader: 4 })
    book.markKnown(key(100))
    const known = order(100, 'ask', 1n, 1000n)
    book.match(known, NOW)
    const strangers = [1, 2, 3].map((t) => {
      const o = order(t, 'ask', 1n, 900n + BigInt(t))
      book.match(o, NOW)
      return `${o.trader}:${o.number}`
    })
    const r = book.match(order(4, 'bid', 1n, 10n), NOW)
    expect(r).toMatchObject({ rested: true, evicted: [strangers[0]] })
    expect(book.size()).toBe(4)
    // Now fill the book with known traders' orders: strangers go first, then nothing is evicted.
    for (const t of [101, 102, 103]) book.markKnown(key(t))
    book.match(order(101, 'bid', 1n, 11n), NOW)
    book.match(order(102, 'bid', 1n, 12n), NOW)
    book.match(order(103, 'bid', 1n, 13n), NOW)
    expect(book.size()).toBe(4)
    expect(new Set([...book.side('ask'), ...book.side('bid')].map((o) => o.trader))).toEqual(
      new Set([key(100), key(101), key(102), key(103)]),
    )
    const full = book.match(order(5, 'bid', 1n, 14n), NOW)
    expect(full).toMatchObject({ rested: false, refusal: 'MARKET_BOOK_FULL', evicted: [] })
    expect(book.get(`${known.trader}:${known.number}`)).toBeDefined()
  })

  it('stays bounded under a flood from fresh keys and still matches honest orders', () => {
    const maxOrders = 500
    const book = createOrderBook({ maxOrders, maxOrdersPerTrader: 4 })
    // Honest, known traders: asks at 50 sat/MB, a wide book.
    const honest: string[] = []
    for (let t = 1; t <= 20; t++) {
      book.markKnown(key(t))
      for (let k = 0; k < 4; k++) {
        const o = order(t, 'ask', 10n, 500n + BigInt(k))
        book.match(o, NOW)
        honest.push(`${o.trader}:${o.number}`)
      }
    }
    // 50 000 fresh keys, each posting a non-crossing bid.
    let refused = 0
    let most = { orders: 0, slots: 0, traders: 0 }
    for (let i = 0; i < 50_000; i++) {
      if (!book.match(order(1_000_000 + i, 'bid', 1n, 1n), NOW).rested) refused++
      most = {
        orders: Math.max(most.orders, book.size()),
        slots: Math.max(most.slots, book.slotsInUse()),
        traders: Math.max(most.traders, book.traders()),
      }
    }
    expect(refused).toBe(0) // strangers churn among themselves
    expect(most.orders).toBe(maxOrders)
    expect(most.traders).toBeLessThanOrEqual(maxOrders)
    expect(most.slots).toBeLessThanOrEqual(2 * maxOrders)
    // Every honest order is still there …
    for (const id of honest) expect(book.get(id)?.remaining).toBe(10n * MB)
    // … and an honest buyer is matched against them.
    const buy = book.match(order(999, 'bid', 25n, 1300n), NOW)
    expect(buy.fills.map((f) => [f.makerTrader, f.mbBytes, f.sats])).toEqual([
      [key(1), 10n * MB, 500n],
      [key(2), 10n * MB, 500n],
      [key(3), 5n * MB, 250n],
    ])
  })
})
