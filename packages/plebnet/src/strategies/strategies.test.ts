import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { smaBid, simpleMovingAverage } from './simple-moving-average.ts'
import { crossoverBid, crossoverMovingAverages } from './crossover-moving-averages.ts'
import { constantSell } from './constant-sell.ts'
import { lastDaySell } from './last-day-sell.ts'
import { applyStrategy } from './apply-strategy.ts'
import { btcNeeded, initialStrategyState, replicationPrice, updateOffer } from './common.ts'
import { beginAccumulationTick, sellParts } from './accumulation.ts'
import { dailyCloses, dayString, mean, sampleStd, utcDay } from './price-history.ts'
import type { StrategyContext, StrategyState, Trade } from './types.ts'
import { STRATEGY_NAMES } from '@dolly/learning'

const DAY = 86_400_000
const HOUR = 3_600_000
/** 2026-11-21 00:00 UTC. */
const T0 = 20_778 * DAY

function ctx(over: Partial<StrategyContext> = {}): StrategyContext {
  return {
    nowMs: T0 + 12 * HOUR,
    market: { trades: [], bestBidSatPerMb: null, lastOrderFill: null, canCancel: true },
    balances: { btcSats: 60_000n, mb: 8_000n },
    replicationPriceSats: replicationPrice(300_000n, 100_000n),
    vpsCount: 1,
    expirationMs: T0 + 20 * DAY,
    tickMs: 5 * 60_000,
    orderTimeoutMs: HOUR,
    floorSatPerMb: 0,
    smaWindowDays: 30,
    ...over,
  }
}

/** One trade per day at the given closing prices, ending yesterday. */
function closesToTrades(closes: readonly number[], lastPrice: number, nowMs: number): Trade[] {
  const today = utcDay(nowMs)
  const trades = closes.map((p, i) => ({
    priceSatPerMb: p,
    timeMs: (today - closes.length + i) * DAY + 20 * HOUR,
  }))
  return [...trades, { priceSatPerMb: lastPrice, timeMs: nowMs - 60_000 }]
}

describe('common rules (ALGORITHMS.md §5.1)', () => {
  it('prices a replication at ceil((vps + vpn) · 1.15)', () => {
    expect(replicationPrice(300_000n, 100_000n)).toBe(460_000n)
    expect(replicationPrice(1n, 0n)).toBe(2n)
    expect(replicationPrice(0n, 0n)).toBe(0n)
  })

  it('needs price · vps_count − balance, never below 0', () => {
    expect(btcNeeded(ctx())).toBe(400_000n)
    expect(btcNeeded(ctx({ vpsCount: 2 }))).toBe(860_000n)
    expect(btcNeeded(ctx({ balances: { btcSats: 1_000_000n, mb: 0n } }))).toBe(0n)
  })

  it('refreshes an offer only after the order timeout and cancels the previous one', () => {
    const placed: StrategyState = {
      ...initialStrategyState(),
      lastOffer: { mb: 1n, btcSats: 1n },
      lastOfferMs: T0,
    }
    expect(updateOffer(placed, ctx({ nowMs: T0 + HOUR }), 10n, 10n).actions).toEqual([])
    const later = updateOffer(placed, ctx({ nowMs: T0 + HOUR + 1 }), 10n, 10n)
    expect(later.actions.map((a) => a.kind)).toEqual(['cancel-last', 'place'])
    expect(later.state.lastOfferMs).toBe(T0 + HOUR + 1)
    const noCancel = updateOffer(
      placed,
      ctx({ nowMs: T0 + 2 * HOUR, market: { ...ctx().market, canCancel: false } }),
      10n,
      10n,
    )
    expect(noCancel.actions.map((a) => a.kind)).toEqual(['place'])
  })
})

describe('[fix] the market minimum (an ask below it would never match)', () => {
  const minimum = (mb: bigint, btcSats: bigint, over: Partial<StrategyContext> = {}) =>
    ctx({ balances: { btcSats, mb }, market: { ...ctx().market, minOrderSats: 6_000n }, ...over })

  it('ConstantSell asks the minimum when the BTC still missing is smaller', () => {
    // 460 000 − 457 421 = 2 579 sats missing: asking that would be declined by every matchmaker.
    const d = constantSell(initialStrategyState(), minimum(40n, 457_421n))
    expect(d.actions).toEqual([{ kind: 'place', mb: 40n, sats: 6_000n, timeoutS: 3600 }])
  })

  it('ConstantSell keeps the golden offer when it is above the minimum', () => {
    const d = constantSell(initialStrategyState(), minimum(8_000n, 60_000n))
    expect(d.actions).toEqual([{ kind: 'place', mb: 8_000n, sats: 400_000n, timeoutS: 3600 }])
  })

  it('a sale at the market price offers more MB to reach the minimum, at the same price', () => {
    const state = {
      ...initialStrategyState(),
      sma: { timeAccumulatedMin: 2 * 1440, partsSoldToday: 0, day: '', lastOrder: null },
    }
    // 200 MB over two days: one day's part is 100 MB at 50 sat/MB = 5 000 < 6 000, so 120 MB are offered.
    const sale = sellParts(state.sma, state, minimum(200n, 0n), 1, 50)
    expect(sale.actions).toEqual([{ kind: 'place', mb: 120n, sats: 6_000n, timeoutS: 300 }])
  })

  it('a sale at the market price waits when all MB are worth less than the minimum', () => {
    const state = {
      ...initialStrategyState(),
      sma: { timeAccumulatedMin: 1440, partsSoldToday: 0, day: '', lastOrder: null },
    }
    const sale = sellParts(state.sma, state, minimum(100n, 0n), 1, 50)
    expect(sale.actions).toEqual([])
    expect(sale.acc.timeAccumulatedMin).toBe(1440)
  })

  it('LastDaySell liquidates at the last price only when the MB reach the minimum', () => {
    const lastDay = { expirationMs: T0 + 12 * HOUR + HOUR }
    const trades = [{ priceSatPerMb: 50, timeMs: T0 }]
    const few = lastDaySell(
      initialStrategyState(),
      minimum(100n, 1_000_000n, { ...lastDay, market: { ...ctx().market, trades, minOrderSats: 6_000n } }),
    )
    expect(few.actions).toEqual([])
    const enough = lastDaySell(
      initialStrategyState(),
      minimum(130n, 1_000_000n, { ...lastDay, market: { ...ctx().market, trades, minOrderSats: 6_000n } }),
    )
    expect(enough.actions).toEqual([{ kind: 'place', mb: 130n, sats: 6_500n, timeoutS: 3600 }])
  })
})

describe('ConstantSell (§5.2)', () => {
  it('offers all 8 000 MB for the 400 000 sat still missing (50 sat/MB)', () => {
    const d = constantSell(initialStrategyState(), ctx())
    expect(d.actions).toEqual([{ kind: 'place', mb: 8_000n, sats: 400_000n, timeoutS: 3600 }])
    expect(d.state.lastOffer).toEqual({ mb: 8_000n, btcSats: 400_000n })
    expect(d.attemptPurchase).toBe(true)
  })

  it('places no order once the balance covers the replication', () => {
    const d = constantSell(initialStrategyState(), ctx({ balances: { btcSats: 460_000n, mb: 8_000n } }))
    expect(d.actions).toEqual([])
    expect(d.attemptPurchase).toBe(true)
  })

  it('places nothing without MB', () => {
    expect(constantSell(initialStrategyState(), ctx({ balances: { btcSats: 0n, mb: 0n } })).actions).toEqual(
      [],
    )
  })
})

describe('LastDaySell (§5.3)', () => {
  it('waits until the last day', () => {
    expect(lastDaySell(initialStrategyState(), ctx()).actions).toEqual([])
  })

  it('offers all MB for the missing BTC in the last day', () => {
    const d = lastDaySell(initialStrategyState(), ctx({ expirationMs: T0 + 12 * HOUR + DAY }))
    expect(d.actions).toEqual([{ kind: 'place', mb: 8_000n, sats: 400_000n, timeoutS: 3600 }])
  })

  it('liquidates all MB at the last trade price when no BTC is needed', () => {
    const trades = [
      { priceSatPerMb: 40, timeMs: T0 },
      { priceSatPerMb: 42.5, timeMs: T0 + HOUR },
    ]
    const d = lastDaySell(
      initialStrategyState(),
      ctx({
        expirationMs: T0 + 13 * HOUR,
        balances: { btcSats: 500_000n, mb: 1_000n },
        market: { trades, bestBidSatPerMb: 30, lastOrderFill: null, canCancel: true },
      }),
    )
    expect(d.actions).toEqual([{ kind: 'place', mb: 1_000n, sats: 42_500n, timeoutS: 3600 }])
    expect(d.rule).toBe('last-day:liquidate')
  })

  it('liquidates at the best bid without trades, and holds without any price', () => {
    const base = { expirationMs: T0 + 13 * HOUR, balances: { btcSats: 500_000n, mb: 1_000n } }
    const withBid = lastDaySell(
      initialStrategyState(),
      ctx({ ...base, market: { trades: [], bestBidSatPerMb: 30.5, lastOrderFill: null, canCancel: true } }),
    )
    expect(withBid.actions).toEqual([{ kind: 'place', mb: 1_000n, sats: 30_500n, timeoutS: 3600 }])
    expect(lastDaySell(initialStrategyState(), ctx(base)).rule).toBe('last-day:no-price')
  })

  it('holds without MB in the last day', () => {
    const d = lastDaySell(
      initialStrategyState(),
      ctx({ expirationMs: T0 + 13 * HOUR, balances: { btcSats: 0n, mb: 0n } }),
    )
    expect(d.rule).toBe('last-day:no-mb')
    expect(d.actions).toEqual([])
  })

  it.each([
    ['constant_sell', 'constant:offer'],
    ['last_day_sell', 'last-day:wait'],
    ['simple_moving_average', 'sma:fallback'],
    ['crossovers_moving_averages', 'crossover:fallback'],
  ] as const)('dispatches %s to its own rule before the last day', (name, rule) => {
    expect(applyStrategy(name, initialStrategyState(), ctx()).rule).toBe(rule)
  })

  it('is forced by applyStrategy in the last day whatever is configured', () => {
    for (const name of STRATEGY_NAMES) {
      const d = applyStrategy(name, initialStrategyState(), ctx({ expirationMs: T0 + 20 * HOUR }))
      expect(d.rule).toBe('last-day:offer')
    }
  })
})

describe('SimpleMovingAverage (§5.4)', () => {
  const closes = [100, 110, 90, 100, 100]

  it('computes MA 100 and SD 7.0711 with tiers 114.142 and 121.213', () => {
    expect(mean(closes)).toBe(100)
    expect(sampleStd(closes)).toBeCloseTo(7.0711, 4)
    expect(100 + 2 * sampleStd(closes)).toBeCloseTo(114.142, 3)
    expect(100 + 3 * sampleStd(closes)).toBeCloseTo(121.213, 3)
    expect(sampleStd([5, 5, 5])).toBe(0)
  })

  const sd = sampleStd(closes)
  it.each([
    { last: 95, time: 100, hour: 23, bid: 0 },
    { last: 95, time: 5000, hour: 22, bid: 0 },
    { last: 95, time: 5000, hour: 23, bid: 1 },
    { last: 105, time: 0, hour: 0, bid: 1 },
    { last: 115, time: 0, hour: 0, bid: 2 },
    { last: 125, time: 0, hour: 0, bid: 3 },
  ])('at last $last, $time min accumulated, hour $hour: bid $bid', ({ last, time, hour, bid }) => {
    expect(smaBid({ last, ma: 100, sd, partsSoldToday: 0, timeAccumulatedMin: time, hourUtc: hour })).toBe(
      bid,
    )
  })

  it('subtracts the parts already sold today', () => {
    expect(smaBid({ last: 125, ma: 100, sd, partsSoldToday: 1.25, timeAccumulatedMin: 0, hourUtc: 0 })).toBe(
      1.75,
    )
  })

  it('sells 3 000 MB for 345 000 sat at bid 2 with 2 160 min accumulated', () => {
    const acc = { timeAccumulatedMin: 2160, partsSoldToday: 0, day: '2026-11-21', lastOrder: null }
    const sale = sellParts(
      acc,
      initialStrategyState(),
      ctx({ balances: { btcSats: 0n, mb: 3_000n } }),
      2,
      115,
    )
    expect(sale.actions).toEqual([{ kind: 'place', mb: 3_000n, sats: 345_000n, timeoutS: 300 }])
    expect(sale.acc.timeAccumulatedMin).toBe(0)
    expect(sale.acc.lastOrder).toEqual({ bidSize: 2, bidTimeMin: 2160 })
  })

  it('accounts a 25 % fill: parts += 0.25, time += 1 080 (plus the tick)', () => {
    const acc = {
      timeAccumulatedMin: 0,
      partsSoldToday: 0,
      day: dayString(utcDay(T0)),
      lastOrder: { bidSize: 1, bidTimeMin: 1440 },
    }
    const next = beginAccumulationTick(acc, ctx({ market: { ...ctx().market, lastOrderFill: 0.25 } }))
    expect(next.partsSoldToday).toBe(0.25)
    expect(next.timeAccumulatedMin).toBe(1080 + 5)
    expect(next.lastOrder).toBeNull()
  })

  it('resets the parts on a new UTC day and names the day', () => {
    expect(dayString(utcDay(T0))).toBe('2026-11-21')
    expect(dayString(0)).toBe('1970-01-01')
    expect(dayString(utcDay(951_782_400_000))).toBe('2000-02-29')
    const acc = { timeAccumulatedMin: 10, partsSoldToday: 2, day: '2026-11-20', lastOrder: null }
    expect(beginAccumulationTick(acc, ctx()).partsSoldToday).toBe(0)
    expect(beginAccumulationTick({ ...acc, day: '2026-11-21' }, ctx()).partsSoldToday).toBe(2)
  })

  it('uses only closes of the window before today', () => {
    const trades = closesToTrades([1, 2, 3], 9, T0 + 12 * HOUR)
    expect(dailyCloses(trades, T0 + 12 * HOUR, 2)).toEqual([2, 3])
  })

  it('falls back to LastDaySell with fewer than 2 closes', () => {
    const d = simpleMovingAverage(
      initialStrategyState(),
      ctx({
        market: {
          trades: closesToTrades([100], 120, T0 + 12 * HOUR),
          bestBidSatPerMb: null,
          lastOrderFill: null,
          canCancel: true,
        },
      }),
    )
    expect(d.rule).toBe('sma:fallback')
    expect(d.actions).toEqual([])
  })

  it('sells on a spike above 3σ and holds below the average', () => {
    const now = T0 + 12 * HOUR
    const state = {
      ...initialStrategyState(),
      sma: { timeAccumulatedMin: 1435, partsSoldToday: 0, day: '', lastOrder: null },
    }
    const spike = simpleMovingAverage(
      state,
      ctx({
        balances: { btcSats: 0n, mb: 900n },
        market: {
          trades: closesToTrades(closes, 125, now),
          bestBidSatPerMb: null,
          lastOrderFill: null,
          canCancel: true,
        },
      }),
    )
    expect(spike.rule).toBe('sma:sell-3')
    expect(spike.actions).toEqual([{ kind: 'place', mb: 900n, sats: 112_500n, timeoutS: 300 }])
    const dip = simpleMovingAverage(
      state,
      ctx({
        balances: { btcSats: 0n, mb: 900n },
        market: {
          trades: closesToTrades(closes, 95, now),
          bestBidSatPerMb: null,
          lastOrderFill: null,
          canCancel: true,
        },
      }),
    )
    expect(dip.rule).toBe('sma:hold')
    expect(dip.state.sma.timeAccumulatedMin).toBe(1440)
  })
})

describe('CrossoverMovingAverages (§5.5)', () => {
  it.each([
    { s: 100, l: 100, sdl: 5, time: 4000, bid: 0 },
    { s: 110, l: 100, sdl: 5, time: 4400, bid: 1 },
    { s: 99, l: 100, sdl: 5, time: 0, bid: 1 },
    { s: 94, l: 100, sdl: 5, time: 0, bid: 2 },
    { s: 89, l: 100, sdl: 5, time: 0, bid: 3 },
  ])('short $s vs long $l (σ $sdl), $time min: bid $bid', ({ s, l, sdl, time, bid }) => {
    expect(
      crossoverBid({ maShort: s, maLong: l, sdLong: sdl, partsSoldToday: 0, timeAccumulatedMin: time }),
    ).toBe(bid)
  })

  it('keeps its own state and falls back without history', () => {
    // Seven closes at 100, then two quiet days and one close at 80: the short MA falls 2.47σ below.
    const early = [10, 9, 8, 7, 6, 5, 4].map((d) => ({ priceSatPerMb: 100, timeMs: T0 - d * DAY + HOUR }))
    const trades = [...early, { priceSatPerMb: 80, timeMs: T0 - DAY + HOUR }]
    const d = crossoverMovingAverages(
      initialStrategyState(),
      ctx({
        balances: { btcSats: 0n, mb: 100n },
        market: { trades, bestBidSatPerMb: null, lastOrderFill: null, canCancel: true },
      }),
    )
    expect(d.rule).toBe('crossover:sell-3')
    expect(d.state.sma).toEqual(initialStrategyState().sma)
    expect(d.state.crossover.lastOrder).not.toBeNull()
    expect(crossoverMovingAverages(initialStrategyState(), ctx()).rule).toBe('crossover:fallback')
  })
})

describe('properties', () => {
  const tradeArb = fc.record({
    priceSatPerMb: fc.double({ min: 0.01, max: 1e4, noNaN: true }),
    timeMs: fc.integer({ min: T0 - 40 * DAY, max: T0 + 12 * HOUR }),
  })
  const ctxArb = fc.record({
    trades: fc.array(tradeArb, { maxLength: 40 }),
    mb: fc.bigInt({ min: 0n, max: 10_000_000n }),
    btc: fc.bigInt({ min: 0n, max: 10_000_000n }),
    floor: fc.double({ min: 0, max: 500, noNaN: true }),
    fill: fc.option(fc.double({ min: -1, max: 2, noNaN: true })),
    expiresInMs: fc.integer({ min: 0, max: 30 * DAY }),
    time: fc.integer({ min: 0, max: 10_000 }),
    parts: fc.double({ min: 0, max: 3, noNaN: true }),
    name: fc.constantFrom(...STRATEGY_NAMES),
  })

  it('never sells more MB than available nor below the floor', () => {
    fc.assert(
      fc.property(ctxArb, (c) => {
        const now = T0 + 12 * HOUR
        const acc = {
          timeAccumulatedMin: c.time,
          partsSoldToday: c.parts,
          day: '2026-11-21',
          lastOrder: { bidSize: 1, bidTimeMin: 100 },
        }
        const state = { ...initialStrategyState(), sma: acc, crossover: acc }
        const d = applyStrategy(
          c.name,
          state,
          ctx({
            nowMs: now,
            expirationMs: now + c.expiresInMs,
            balances: { btcSats: c.btc, mb: c.mb },
            floorSatPerMb: c.floor,
            market: { trades: c.trades, bestBidSatPerMb: 10, lastOrderFill: c.fill, canCancel: true },
          }),
        )
        for (const a of d.actions) {
          if (a.kind !== 'place') continue
          expect(a.mb).toBeGreaterThan(0n)
          expect(a.mb).toBeLessThanOrEqual(c.mb)
          expect(Number(a.sats)).toBeGreaterThanOrEqual(c.floor * Number(a.mb) - 1e-6)
        }
        for (const s of [d.state.sma, d.state.crossover]) {
          expect(Number.isFinite(s.timeAccumulatedMin)).toBe(true)
          expect(s.timeAccumulatedMin).toBeGreaterThanOrEqual(0)
        }
      }),
    )
  })
})
