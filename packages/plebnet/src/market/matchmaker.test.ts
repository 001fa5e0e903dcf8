import {
  bytesToHex,
  createMemoryLogger,
  createSeededRng,
  createSignatureVerifier,
  createVirtualClock,
  generateIdentity,
  type Identity,
} from '@dolly/base'
import { encodeOrder, signOrder, type OrderSide } from '@dolly/market'
import { describe, expect, it } from 'vitest'
import { askMarket, createMemoryMarketNet, serveMarket } from './channel.ts'
import { createMatchmaker } from './matchmaker.ts'
import type { MarketRequest, MatchNotice } from './messages.ts'

const NOW = Date.UTC(2027, 0, 10, 12)
const MB = 1n << 20n
const verifier = createSignatureVerifier()

function setup(options: Parameters<typeof createMatchmaker>[1] = {}) {
  const clock = createVirtualClock(NOW)
  const net = createMemoryMarketNet()
  const channel = net.channel('mm')
  const mm = createMatchmaker(
    { clock, rng: createSeededRng('mm'), log: createMemoryLogger(), verifier, channel, addressOf: (t) => t },
    options,
  )
  serveMarket(channel, { matchmaker: (from, r) => mm.handle(from, r) })
  /** A trader listening on its key; it records the MATCHes it gets and accepts them. */
  const trader = (seed: string) => {
    const id = generateIdentity(createSeededRng(seed))
    const key = bytesToHex(id.publicKey)
    const ch = net.channel(key)
    const matches: { from: string; notice: MatchNotice }[] = []
    serveMarket(ch, {
      trader: (from, r) => {
        matches.push({ from, notice: r })
        return { t: 'accept' }
      },
    })
    return { id, key, ch, matches }
  }
  return { clock, net, mm, trader }
}

const order = (
  id: Identity,
  number: number,
  side: OrderSide,
  mb: bigint,
  sats: bigint,
  over: { timestampMs?: number; timeoutS?: number } = {},
) =>
  encodeOrder(
    signOrder(
      {
        number,
        side,
        mbBytes: mb * MB,
        sats,
        timestampMs: over.timestampMs ?? NOW,
        timeoutS: over.timeoutS ?? 3600,
      },
      id,
    ),
  )

const req = (bytes: Uint8Array): MarketRequest => ({ t: 'order', order: bytes })

describe('the matchmaker', () => {
  it('matches an ask and a bid of two traders and sends MATCH to both', async () => {
    const { mm, trader } = setup()
    const a = trader('mm-a')
    const b = trader('mm-b')
    expect(await askMarket(a.ch, 'mm', req(order(a.id, 1, 'ask', 100n, 5_000n)))).toEqual({ t: 'ok' })
    expect(await askMarket(b.ch, 'mm', req(order(b.id, 7, 'bid', 40n, 2_400n)))).toEqual({ t: 'ok' })
    await mm.settled()
    expect(a.matches).toHaveLength(1)
    expect(b.matches).toHaveLength(1)
    const notice = a.matches[0]?.notice
    expect(b.matches[0]?.notice).toEqual(notice)
    expect(a.matches[0]?.from).toBe('mm')
    expect(notice).toMatchObject({
      matchmaker: 'mm',
      maker: `${a.key}:1`,
      taker: `${b.key}:7`,
      makerTrader: a.key,
      takerTrader: b.key,
      takerSide: 'bid',
      mbBytes: 40n * MB,
      sats: 2_000n, // at the maker's price, 50 sat/MB
    })
    // The trade is in its history and the book, which holds A's remainder.
    expect(mm.trades()).toEqual([{ timeMs: NOW, mbBytes: 40n * MB, sats: 2_000n }])
    expect(await askMarket(b.ch, 'mm', { t: 'trades?', limit: 10 })).toEqual({
      t: 'trades',
      trades: mm.trades(),
    })
    const book = await askMarket(b.ch, 'mm', { t: 'book?', limit: 10 })
    expect(book).toEqual({
      t: 'book',
      bids: [],
      asks: [{ id: `${a.key}:1`, trader: a.key, mbBytes: 100n * MB, sats: 5_000n, remaining: 60n * MB }],
    })
  })

  it('rejects forged, expired, future, replayed and malformed orders with codes', async () => {
    const { mm, clock, trader } = setup()
    const a = trader('mm-a')
    const good = order(a.id, 1, 'ask', 10n, 500n)
    const forged = Uint8Array.from(good)
    forged[forged.length - 1] = (forged[forged.length - 1] ?? 0) ^ 1
    expect(await askMarket(a.ch, 'mm', req(forged))).toEqual({ t: 'err', code: 'MARKET_ORDER_FORGED' })
    expect(await askMarket(a.ch, 'mm', req(good))).toEqual({ t: 'ok' })
    expect(await askMarket(a.ch, 'mm', req(good))).toEqual({ t: 'err', code: 'MARKET_ORDER_REPLAYED' })
    const stale = order(a.id, 2, 'ask', 10n, 500n, { timestampMs: NOW - 7_200_000, timeoutS: 3600 })
    expect(await askMarket(a.ch, 'mm', req(stale))).toEqual({ t: 'err', code: 'MARKET_ORDER_EXPIRED' })
    const future = order(a.id, 3, 'ask', 10n, 500n, { timestampMs: NOW + 60_000 })
    expect(await askMarket(a.ch, 'mm', req(future))).toEqual({ t: 'err', code: 'MARKET_ORDER_FUTURE' })
    expect(await askMarket(a.ch, 'mm', req(Uint8Array.from([1, 2])))).toEqual({
      t: 'err',
      code: 'MARKET_ORDER_MALFORMED',
    })
    const raw = await a.ch.request('mm', new TextEncoder().encode('{"t":"order"}'))
    expect(new TextDecoder().decode(raw)).toBe('{"t":"err","code":"MARKET_MESSAGE_MALFORMED"}')
    // Expired orders leave the book.
    clock.advance(3_700_000 + 20_000)
    expect(await askMarket(a.ch, 'mm', { t: 'book?', limit: 10 })).toEqual({ t: 'book', bids: [], asks: [] })
    expect(mm.stats().matches).toBe(0)
  })

  it('rate-limits each sender', async () => {
    const { trader } = setup({ burst: 5, perSecond: 1 })
    const a = trader('mm-a')
    const codes: string[] = []
    for (let i = 1; i <= 8; i++) {
      const r = await askMarket(a.ch, 'mm', req(order(a.id, i, 'ask', 1n, 100n + BigInt(i))))
      codes.push(r.t === 'err' ? r.code : r.t)
    }
    expect(codes).toEqual([
      'ok',
      'ok',
      'ok',
      'ok',
      'ok',
      'MARKET_RATE_LIMITED',
      'MARKET_RATE_LIMITED',
      'MARKET_RATE_LIMITED',
    ])
  })

  it('stays bounded under a flood of fresh keys and keeps matching honest traders', async () => {
    const { mm, trader, net, clock } = setup({ book: { maxOrders: 200 }, maxSenders: 64, maxTrades: 50 })
    const honest = trader('mm-honest')
    const buyer = trader('mm-buyer')
    for (let i = 1; i <= 10; i++)
      expect(await askMarket(honest.ch, 'mm', req(order(honest.id, i, 'ask', 1n, 1_000n)))).toEqual({
        t: 'ok',
      })
    // The honest seller becomes known to the book by trading once.
    expect(await askMarket(buyer.ch, 'mm', req(order(buyer.id, 1, 'bid', 1n, 1_000n)))).toEqual({ t: 'ok' })
    await mm.settled()
    const rng = createSeededRng('flood')
    for (let i = 0; i < 3_000; i++) {
      const sybil = generateIdentity(rng)
      // Each from its own sender address, priced never to cross the honest asks.
      const ch = net.channel(`sybil${i}`)
      await askMarket(ch, 'mm', req(order(sybil, 1, 'ask', 1n, 5_000n)))
    }
    expect(mm.book.size()).toBeLessThanOrEqual(200)
    expect(mm.senders()).toBeLessThanOrEqual(64)
    // All nine remaining honest asks rest and still match.
    expect(mm.book.openOrdersOf(honest.key)).toBe(9)
    clock.advance(1000)
    expect(await askMarket(buyer.ch, 'mm', req(order(buyer.id, 2, 'bid', 9n, 9_000n)))).toEqual({ t: 'ok' })
    await mm.settled()
    expect(mm.book.openOrdersOf(honest.key)).toBe(0)
    expect(honest.matches).toHaveLength(10)
    expect(mm.trades().length).toBeLessThanOrEqual(50)
  }, 30_000) // 3,000 signed orders: about 2 s on a quiet machine, over 5 s on a loaded one
})
