import { createMemoryLogger, createVirtualClock, noCheckpoint, type Checkpoint } from '@dolly/base'
import { createRootGenome, type Genome, type StrategyName } from '@dolly/learning'
import { describe, expect, it } from 'vitest'
import { createMemoryTokenMarket, type MemoryTokenMarket } from '../adapters/memory-market.ts'
import { createMemoryAgentStore } from '../adapters/memory-store.ts'
import { MB_BYTES, sellStep, type SellInput } from './sell.ts'

const NOW = Date.UTC(2027, 0, 10, 12)
const HOUR = 3_600_000
const DAY = 24 * HOUR

function genomeWith(name: StrategyName): Genome {
  const g = createRootGenome({ providers: ['memhost'], version: '0.1.0', exitNode: false })
  return { ...g, strategy: { ...g.strategy, name } }
}

function setup(opts: { mb?: bigint; checkpoint?: Checkpoint } = {}) {
  const clock = createVirtualClock(NOW)
  const store = createMemoryAgentStore()
  const market = createMemoryTokenMarket(clock, { balanceBytes: (opts.mb ?? 8_000n) * MB_BYTES })
  const ports = {
    market,
    store,
    clock,
    log: createMemoryLogger(),
    checkpoint: opts.checkpoint ?? noCheckpoint,
  }
  return { clock, store, market, ports }
}

/** ALGORITHMS.md §5.2's golden case: vps 300 000 + vpn 100 000 → 460 000; balance 60 000. */
const golden = (genome: Genome, over: Partial<SellInput> = {}): SellInput => ({
  genome,
  spendableSats: 60_000n,
  expirationMs: NOW + 30 * DAY,
  replicationPriceSats: 460_000n,
  ...over,
})

const openAsks = (market: MemoryTokenMarket) => [...market.asks.values()].filter((a) => !a.cancelled)

describe('the tick sell step (AGENT.md §3.3 step 9)', () => {
  it('constant_sell offers all MB for the BTC still missing: 8 000 MB for 400 000 sat (the spec golden)', async () => {
    const { ports, market, store } = setup()
    const report = await sellStep(ports, {}, golden(genomeWith('constant_sell')))
    expect(report?.rule).toBe('constant:offer')
    expect(openAsks(market).map((a) => ({ mbBytes: a.mbBytes, sats: a.sats, timeoutS: a.timeoutS }))).toEqual(
      [{ mbBytes: 8_000n * MB_BYTES, sats: 400_000n, timeoutS: 3600 }],
    )
    const saved = store.sell.peek()
    expect(saved?.lastOrder).toBe(1)
    expect(saved?.placing).toBeNull()
    expect(saved?.strategy.lastOffer).toEqual({ mb: 8_000n, btcSats: 400_000n })
  })

  it('places nothing once the coins cover the replication price', async () => {
    const { ports, market } = setup()
    const report = await sellStep(ports, {}, golden(genomeWith('constant_sell'), { spendableSats: 460_000n }))
    expect(report?.placed).toBeNull()
    expect(market.asks.size).toBe(0)
  })

  it('refreshes the offer only after the order timeout: cancels the old ask, places a new one for what is left', async () => {
    const { ports, market, clock } = setup()
    const genome = genomeWith('constant_sell')
    await sellStep(ports, {}, golden(genome))
    clock.advance(30 * 60_000)
    expect((await sellStep(ports, {}, golden(genome)))?.placed).toBeNull()
    // Half of the ask trades; an hour later the offer is renewed for the other half.
    market.trade({ priceSatPerMb: 50, timeMs: clock.nowMs(), ask: 1, bytes: 4_000n * MB_BYTES })
    clock.advance(31 * 60_000)
    const report = await sellStep(ports, {}, golden(genome, { spendableSats: 260_000n }))
    expect(report?.cancelled).toBe(1)
    expect(report?.placed).toMatchObject({ number: 2, mbBytes: 4_000n * MB_BYTES, sats: 200_000n })
    expect(openAsks(market).map((a) => a.number)).toEqual([2])
  })

  it('liquidates in the last day of the lease whatever the genome says, at the last trade price', async () => {
    const { ports, market } = setup({ mb: 1_000n })
    market.trade({ priceSatPerMb: 120, timeMs: NOW - HOUR })
    const report = await sellStep(
      ports,
      {},
      golden(genomeWith('simple_moving_average'), { spendableSats: 900_000n, expirationMs: NOW + 12 * HOUR }),
    )
    expect(report?.strategy).toBe('simple_moving_average')
    expect(report?.rule).toBe('last-day:liquidate')
    expect(report?.placed).toMatchObject({ mbBytes: 1_000n * MB_BYTES, sats: 120_000n })
  })

  it('does nothing without a market or without matchmakers', async () => {
    const { ports, market, store } = setup()
    const { market: _market, ...withoutMarket } = ports
    expect(await sellStep(withoutMarket, {}, golden(genomeWith('constant_sell')))).toBeUndefined()
    market.setMatchmakers(false)
    expect(await sellStep(ports, {}, golden(genomeWith('constant_sell')))).toBeUndefined()
    expect(store.sell.peek()).toBeUndefined()
    expect(market.asks.size).toBe(0)
  })

  it('a kill after the market took the ask and before the outcome was saved: the next tick places it once', async () => {
    let armed = true
    const killed = new Error('SIGKILL')
    const { ports, market, store, clock } = setup({
      checkpoint: (step) => {
        if (armed && step === 'sell-placed') throw killed
      },
    })
    const genome = genomeWith('constant_sell')
    await expect(sellStep(ports, {}, golden(genome))).rejects.toBe(killed)
    expect(store.sell.peek()?.placing?.number).toBe(1)
    armed = false
    clock.advance(60_000)
    const report = await sellStep(ports, {}, golden(genome))
    expect(report?.resumed).toBe(1)
    expect(report?.placed).toBeNull()
    expect([...market.asks.keys()]).toEqual([1])
    expect(market.placeCalls()).toBe(2)
    expect(store.sell.peek()).toMatchObject({ lastOrder: 1, placing: null, nextNumber: 2 })
  })

  it('a kill before the market heard of the ask: the journaled ask is placed by the next tick, no other', async () => {
    const { ports, market, store, clock } = setup()
    const genome = genomeWith('constant_sell')
    const place = market.placeAsk.bind(market)
    let fail = true
    const failing = {
      ...market,
      placeAsk: (ask: Parameters<typeof place>[0]) =>
        fail ? Promise.reject(new Error('killed')) : place(ask),
    }
    await expect(sellStep({ ...ports, market: failing }, {}, golden(genome))).rejects.toThrow('killed')
    expect(market.asks.size).toBe(0)
    fail = false
    clock.advance(60_000)
    const report = await sellStep({ ...ports, market: failing }, {}, golden(genome))
    expect(report?.resumed).toBe(1)
    expect(openAsks(market).map((a) => [a.number, a.sats])).toEqual([[1, 400_000n]])
    expect(store.sell.peek()?.nextNumber).toBe(2)
  })
})
