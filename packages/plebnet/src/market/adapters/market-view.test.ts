import {
  bytesToHex,
  createMemoryLogger,
  createSeededRng,
  createSignatureVerifier,
  createVirtualClock,
  generateIdentity,
  type Clock,
} from '@dolly/base'
import { describe, expect, it } from 'vitest'
import { handleStatusRequest, parseStatus, type AgentStatus } from '../../daemon/status.ts'
import { createMemoryMarketNet, serveMarket, type MemoryMarketNet } from '../channel.ts'
import { createMatchmaker } from '../matchmaker.ts'
import {
  formatPrice,
  MarketBookSchema,
  marketStatusOf,
  MarketStatusSchema,
  MarketTradesSchema,
  type MarketStatus,
} from '../market-status.ts'
import { BID_NUMBER_BASE, createAgentTokenMarket } from '../token-market.ts'
import { createMarketView } from './market-view.ts'

const NOW = Date.UTC(2027, 0, 10, 12)
const MB = 1n << 20n
const verifier = createSignatureVerifier()

/** One agent as the daemon runs it: a matchmaker and its token market on one memory channel. */
function agent(net: MemoryMarketNet, clock: Clock, seed: string, peers: () => readonly string[]) {
  const identity = generateIdentity(createSeededRng(seed))
  const key = bytesToHex(identity.publicKey)
  const channel = net.channel(key)
  const log = createMemoryLogger()
  const mm = createMatchmaker({
    clock,
    rng: createSeededRng(`${seed}-mm`),
    log,
    verifier,
    channel,
    addressOf: (t) => t,
  })
  const market = createAgentTokenMarket(
    { clock, log, signer: identity, channel, matchmakers: peers, balanceBytes: () => Promise.resolve(0n) },
    { pollIntervalMs: 0 },
  )
  serveMarket(channel, {
    matchmaker: (from, r) => mm.handle(from, r),
    trader: (from, r) => market.handleMatch(from, r),
  })
  return { key, mm, market }
}

const base: AgentStatus = {
  format: 'dolly-status',
  version: 1,
  publicKey: 'c'.repeat(64),
  tree: 'genesis',
  parentTree: null,
  parentPublicKey: null,
  hostIp: '10.77.1.2',
  genome: null,
  testnet: true,
  exitNode: false,
  softwareVersion: '0.1.0',
  startedAtMs: 1000,
  heartbeatAtMs: 5000,
  heartbeats: 2,
}

describe('the market view of the status API (issue 17)', () => {
  it("shows an agent's open orders and fills, its matchmaker's book and trades, strictly decodable", async () => {
    const clock = createVirtualClock(NOW)
    const net = createMemoryMarketNet()
    const keys: string[] = []
    const others = (me: number) => () => keys.filter((_, i) => i !== me)
    const a = agent(net, clock, 'view-a', others(0))
    const b = agent(net, clock, 'view-b', () => [keys[2] ?? ''])
    const c = agent(net, clock, 'view-c', others(2))
    keys.push(a.key, b.key, c.key)
    // A asks 100 MB for 50 000 sats (500 sat/MB) at B's and C's matchmakers; B bids 40 MB at 600 sat/MB at C only.
    await a.market.placeAsk({ number: 1, mbBytes: 100n * MB, sats: 50_000n, timeoutS: 3600 })
    await a.market.placeAsk({ number: 2, mbBytes: 1n * MB, sats: 700n, timeoutS: 60 })
    await b.market.placeBid({ number: 1, mbBytes: 40n * MB, sats: 24_000n, timeoutS: 3600 })
    await c.mm.settled()
    await a.market.cancel(2)

    const settlement = {
      open: 1,
      completed: 2,
      aborted: 1,
      satsReceived: 20_000n,
      satsPaid: 0n,
      mbSoldBytes: 40n * MB,
      mbBoughtBytes: 0n,
    }
    const viewA = createMarketView({
      market: { agentMarket: () => a.market, matchmaker: () => a.mm },
      clock,
      balanceBytes: () => 300n * MB,
      settlement: () => settlement,
    })
    const statusA = viewA.status()
    expect(statusA).toEqual({
      mbBalanceBytes: String(300n * MB),
      // The cancelled ask is not open; the first is, 40 MB filled.
      orders: [
        {
          number: 1,
          side: 'ask',
          mbBytes: String(100n * MB),
          sats: '50000',
          priceSatPerMb: '500.00',
          filledBytes: String(40n * MB),
          expiresAtMs: NOW + 3_600_000,
        },
      ],
      lastTrade: null,
      settlement: {
        open: 1,
        completed: 2,
        aborted: 1,
        satsReceived: '20000',
        satsPaid: '0',
        mbSoldBytes: String(40n * MB),
        mbBoughtBytes: '0',
      },
      // A's own matchmaker holds nothing: B sent its bid to C only, and A's asks go to the others.
      matchmaker: { bids: 0, asks: 0, accepted: 0, refused: 0, matches: 0, dropped: 0 },
    })
    // After A polls its matchmakers, it knows the trade's price (the maker's, 50 sat/MB).
    await a.market.refresh()
    expect(viewA.status().lastTrade).toEqual({ priceSatPerMb: '500.00', timeMs: NOW })

    // C matched: its book holds A's rest (60 MB of the ask) and A's cancelled ask is gone.
    const viewC = createMarketView({
      market: { agentMarket: () => c.market, matchmaker: () => c.mm },
      clock,
      balanceBytes: () => undefined,
      settlement: () => undefined,
    })
    const statusC: MarketStatus = viewC.status()
    expect(statusC).toMatchObject({
      mbBalanceBytes: null,
      orders: [],
      settlement: null,
      lastTrade: { priceSatPerMb: '500.00', timeMs: NOW },
      matchmaker: { bids: 0, asks: 1, matches: 1 },
    })
    expect(statusC.matchmaker?.accepted).toBeGreaterThanOrEqual(3)
    expect(MarketStatusSchema.check(JSON.parse(JSON.stringify(statusC))).ok).toBe(true)

    // The API: book and trades for an authorized caller, decodable; the status carries the block.
    const full = { ...base, market: statusC }
    const book = handleStatusRequest(
      { method: 'GET', path: '/market/book?limit=5', authorized: true },
      full,
      NOW,
      viewC,
    )
    expect(book.status).toBe(200)
    const decoded = MarketBookSchema.parse(JSON.parse(JSON.stringify(book.body)))
    expect(decoded.bids).toEqual([])
    expect(decoded.asks).toEqual([
      {
        side: 'ask',
        id: `${a.key}:1`,
        trader: a.key,
        priceSatPerMb: '500.00',
        mbBytes: String(100n * MB),
        sats: '50000',
        remainingBytes: String(60n * MB),
        expiresAtMs: NOW + 3_600_000,
      },
    ])
    const trades = handleStatusRequest(
      { method: 'GET', path: '/market/trades', authorized: true },
      full,
      NOW,
      viewC,
    )
    expect(MarketTradesSchema.parse(JSON.parse(JSON.stringify(trades.body))).trades).toEqual([
      { timeMs: NOW, priceSatPerMb: '500.00', mbBytes: String(40n * MB), sats: '20000' },
    ])
    expect(
      handleStatusRequest(
        { method: 'GET', path: '/market/trades?limit=0', authorized: true },
        full,
        NOW,
        viewC,
      ).body,
    ).toEqual({ format: 'dolly-market-trades', trades: [] })
    expect(parseStatus(JSON.parse(JSON.stringify(full)))).toEqual(full)
    // B's own bid is fully filled: not open any more.
    const viewB = createMarketView({
      market: { agentMarket: () => b.market, matchmaker: () => undefined },
      clock,
      balanceBytes: () => 0n,
      settlement: () => undefined,
    })
    expect(b.market.orders().get(BID_NUMBER_BASE + 1)?.matchedBytes).toBe(40n * MB)
    expect(viewB.status().orders).toEqual([])
    expect(viewB.status().matchmaker).toBeNull()
    expect(viewB.book(5)).toBeUndefined()
    expect(viewB.trades(5)).toBeUndefined()
    // Once the ask expires it is no longer open.
    clock.advance(3_600_000)
    expect(viewA.status().orders).toEqual([])
  })

  it('refuses the market queries to strangers, bad limits, and a daemon without a market', () => {
    const view = createMarketView({
      market: { agentMarket: () => undefined, matchmaker: () => undefined },
      clock: { nowMs: () => NOW },
      balanceBytes: () => undefined,
      settlement: () => undefined,
    })
    expect(view.status()).toEqual({
      mbBalanceBytes: null,
      orders: [],
      lastTrade: null,
      settlement: null,
      matchmaker: null,
    })
    const ask = (path: string, authorized: boolean, withView = true) =>
      handleStatusRequest({ method: 'GET', path, authorized }, base, NOW, withView ? view : undefined)
    expect(ask('/market/book', false).status).toBe(403)
    expect(ask('/market/trades?limit=1001', true).status).toBe(400)
    expect(ask('/market/trades?limit=-1', true).status).toBe(400)
    expect(ask('/market/book?limit=x', true).status).toBe(400)
    expect(ask('/market/book', true)).toEqual({
      status: 404,
      body: expect.objectContaining({ code: 'MARKET_VIEW_DISABLED' }),
    })
    expect(ask('/market/trades', true, false).body).toMatchObject({ code: 'MARKET_VIEW_DISABLED' })
    expect(handleStatusRequest({ method: 'POST', path: '/market/book' }, base, NOW, view).status).toBe(405)
  })
})

describe('the market block', () => {
  const block: MarketStatus = {
    mbBalanceBytes: '1048576',
    orders: [
      {
        number: 3,
        side: 'bid',
        mbBytes: '2097152',
        sats: '25',
        priceSatPerMb: '12.50',
        filledBytes: '0',
        expiresAtMs: NOW,
      },
    ],
    lastTrade: { priceSatPerMb: '12.50', timeMs: NOW },
    settlement: null,
    matchmaker: null,
  }

  it('is decoded strictly: decimal strings, no unknown keys, bounded orders', () => {
    expect(parseStatus({ ...base, market: block })).toEqual({ ...base, market: block })
    expect(parseStatus({ ...base, market: { ...block, extra: 1 } })).toBeUndefined()
    expect(parseStatus({ ...base, market: { ...block, mbBalanceBytes: 5 } })).toBeUndefined()
    expect(parseStatus({ ...base, market: { ...block, mbBalanceBytes: '-5' } })).toBeUndefined()
    expect(
      parseStatus({ ...base, market: { ...block, lastTrade: { priceSatPerMb: '12.5', timeMs: 1 } } }),
    ).toBeUndefined()
    const order = block.orders[0]
    expect(
      parseStatus({ ...base, market: { ...block, orders: [{ ...order, side: 'buy' }] } }),
    ).toBeUndefined()
    expect(
      parseStatus({ ...base, market: { ...block, orders: Array.from({ length: 257 }, () => order) } }),
    ).toBeUndefined()
  })

  it('takes the newer of the heard and the own last trade; prices are exact with two decimals', () => {
    const input = {
      nowMs: NOW,
      balanceBytes: undefined,
      orders: [],
      trades: [{ priceSatPerMb: 12.345, timeMs: NOW - 10 }],
      settlement: undefined,
    }
    expect(marketStatusOf({ ...input, matchmaker: undefined }).lastTrade).toEqual({
      priceSatPerMb: '12.35',
      timeMs: NOW - 10,
    })
    const mm = { bids: 1, asks: 2, stats: { accepted: 3, refused: 4, matches: 5, dropped: 6 } }
    expect(
      marketStatusOf({
        ...input,
        matchmaker: { ...mm, trades: [{ timeMs: NOW, mbBytes: 3n * MB, sats: 10n }] },
      }),
    ).toMatchObject({
      lastTrade: { priceSatPerMb: '3.33', timeMs: NOW },
      matchmaker: { bids: 1, asks: 2, accepted: 3, refused: 4, matches: 5, dropped: 6 },
    })
    expect(
      marketStatusOf({
        ...input,
        matchmaker: { ...mm, trades: [{ timeMs: NOW - 20, mbBytes: MB, sats: 1n }] },
      }).lastTrade?.priceSatPerMb,
    ).toBe('12.35')
    expect(formatPrice(2n, 3n * MB)).toBe('0.67')
    expect(formatPrice(123_456_789_012n, MB)).toBe('123456789012.00')
    expect(formatPrice(5n, 0n)).toBe('0.00')
  })
})
