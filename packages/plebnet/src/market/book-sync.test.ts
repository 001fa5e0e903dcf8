import {
  bytesToHex,
  createNullLogger,
  createSeededRng,
  createSignatureVerifier,
  createVirtualClock,
  generateIdentity,
  type Identity,
  type Rng,
  type VirtualClock,
} from '@dolly/base'
import { encodeCancel, encodeOrder, orderIdOf, signCancel, signOrder, type OrderSide } from '@dolly/market'
import { describe, expect, it } from 'vitest'
import { startBookSync } from './book-sync.ts'
import { askMarket, createMemoryMarketNet, serveMarket, type MemoryMarketNet } from './channel.ts'
import { createMatchmaker, type Matchmaker, type MatchmakerOptions } from './matchmaker.ts'
import { encodeMarketMessage, type MatchNotice } from './messages.ts'

const NOW = Date.UTC(2027, 0, 10, 12)
const MB = 1n << 20n
const INTERVAL_MS = 30_000

interface PlacedOrder {
  readonly id: string
  readonly trader: Identity
  readonly number: number
  readonly bytes: Uint8Array
  readonly expiresAtMs: number
  /** Matchmakers the trader sent it to. */
  readonly sentTo: string[]
  cancelled: boolean
  cancelledAt: string[]
}

/** Asks well above bids: nothing crosses, so every book should end up holding every live order. */
function signed(
  id: Identity,
  number: number,
  side: OrderSide,
  mb: bigint,
  nowMs: number,
  timeoutS: number,
): { bytes: Uint8Array; expiresAtMs: number } {
  const sats = side === 'ask' ? mb * 10_000n + BigInt(number) : mb * 100n
  const order = signOrder({ number, side, mbBytes: mb * MB, sats, timestampMs: nowMs, timeoutS }, id)
  return { bytes: encodeOrder(order), expiresAtMs: nowMs + timeoutS * 1000 }
}

const sameSet = (a: readonly string[], b: ReadonlySet<string>): boolean =>
  a.length === b.size && a.every((x) => b.has(x))

/** A network of matchmakers on the memory channel, each knowing a few random others. */
function network(options: MatchmakerOptions = {}) {
  const clock: VirtualClock = createVirtualClock(NOW)
  const net: MemoryMarketNet = createMemoryMarketNet()
  const rng: Rng = createSeededRng('book-sync-graph')
  const mms = new Map<string, Matchmaker>()
  const neighbours = new Map<string, Set<string>>()
  const live = new Set<string>()
  let nextName = 0
  // One verifier for all (each still checks every signature; only the parsed keys are shared).
  const verifier = createSignatureVerifier(16_384)

  const connect = (a: string, b: string): void => {
    if (a === b) return
    neighbours.get(a)?.add(b)
    neighbours.get(b)?.add(a)
  }
  /** A new matchmaker, connected to `degree` random live ones. */
  const join = (degree: number): string => {
    const name = `mm${nextName++}`
    const channel = net.channel(name)
    const mm = createMatchmaker(
      {
        clock,
        rng: createSeededRng(name),
        log: createNullLogger(),
        verifier,
        channel,
        addressOf: (t) => t,
      },
      options,
    )
    serveMarket(channel, { matchmaker: (from, r) => mm.handle(from, r) })
    const others = [...live]
    mms.set(name, mm)
    neighbours.set(name, new Set())
    for (let i = 0; i < degree && others.length > 0; i++)
      connect(name, others.splice(rng.int(others.length), 1)[0] as string)
    live.add(name)
    return name
  }
  const leave = (name: string): void => {
    net.leave(name)
    live.delete(name)
  }
  const mm = (name: string): Matchmaker => mms.get(name) as Matchmaker
  /** One round: time moves one interval, every live matchmaker syncs with one random live neighbour. */
  const codes: Record<string, number> = {}
  const round = async (): Promise<{ failed: number }> => {
    await clock.advance(INTERVAL_MS)
    let failed = 0
    await Promise.all(
      [...live].map(async (name) => {
        const ns = [...(neighbours.get(name) ?? [])].filter((n) => live.has(n))
        if (ns.length === 0) return
        try {
          const r = await mm(name).syncWith(ns[rng.int(ns.length)] as string)
          for (const [c, n] of Object.entries(r.refused)) codes[c] = (codes[c] ?? 0) + n
        } catch (err) {
          codes[String(err)] = (codes[String(err)] ?? 0) + 1
          failed++
        }
      }),
    )
    // The reciprocal pulls (push-pull) the round started.
    await Promise.all([...live].map((name) => mm(name).settled()))
    return { failed }
  }
  const randomLive = (n: number): string[] => {
    const pool = [...live]
    const out: string[] = []
    for (let i = 0; i < n && pool.length > 0; i++) out.push(pool.splice(rng.int(pool.length), 1)[0] as string)
    return out
  }
  return { clock, net, rng, mm, live, join, leave, round, randomLive, connect, codes }
}

describe('book sync over the memory network', () => {
  it('50 matchmakers with churn converge to exactly the live, uncancelled orders; bad orders stay out', async () => {
    const w = network()
    for (let i = 0; i < 50; i++) w.join(3)
    const traders = Array.from({ length: 50 }, (_, i) => generateIdentity(createSeededRng(`trader-${i}`)))
    const placed: PlacedOrder[] = []
    const place = async (trader: Identity, number: number, timeoutS: number): Promise<void> => {
      const side: OrderSide = number % 2 === 0 ? 'ask' : 'bid'
      const o = signed(trader, number, side, BigInt(1 + (number % 7)), w.clock.nowMs(), timeoutS)
      const sentTo = w.randomLive(1 + w.rng.int(3))
      const ch = w.net.channel(bytesToHex(trader.publicKey))
      for (const to of sentTo)
        expect(await askMarket(ch, to, { t: 'order', order: o.bytes })).toEqual({ t: 'ok' })
      placed.push({
        id: orderIdOf({ trader: bytesToHex(trader.publicKey), number }),
        trader,
        number,
        bytes: o.bytes,
        expiresAtMs: o.expiresAtMs,
        sentTo,
        cancelled: false,
        cancelledAt: [],
      })
    }
    const expected = (): Set<string> =>
      new Set(placed.filter((o) => !o.cancelled && o.expiresAtMs >= w.clock.nowMs()).map((o) => o.id))
    const converged = (): boolean => {
      const want = expected()
      return [...w.live].every((n) => sameSet(w.mm(n).orderIds(), want))
    }

    // Phase 1: 250 orders (5 per trader; every 10th lives only 290 s), each to 1..3 matchmakers.
    for (const [t, trader] of traders.entries())
      for (let n = 0; n < 5; n++) await place(trader, n, (t * 5 + n) % 10 === 0 ? 290 : 3600)
    const before = [...w.live].map((n) => w.mm(n).orderIds().length)
    expect(Math.max(...before)).toBeLessThan(50)
    for (let r = 0; r < 5; r++) await w.round()

    // Churn: 10 matchmakers stop, 10 fresh ones join (3 links each).
    const stopped = w.randomLive(10)
    for (const name of stopped) w.leave(name)
    const fresh = Array.from({ length: 10 }, () => w.join(3))
    // Nothing was lost with the stopped ones.
    for (const o of placed) expect([...w.live].some((n) => w.mm(n).book.get(o.id) !== undefined)).toBe(true)

    // Phase 2: 250 more orders (every 10th lives 300 s), then 40 cancels, each to 1..2 live matchmakers.
    for (const [t, trader] of traders.entries())
      for (let n = 5; n < 10; n++) await place(trader, n, (t * 5 + n) % 10 === 0 ? 300 : 3600)
    const cancellable = placed.filter((o) => o.expiresAtMs > NOW + 3_000_000)
    for (let i = 0; i < 40; i++) {
      const o = cancellable.splice(w.rng.int(cancellable.length), 1)[0] as PlacedOrder
      const cancel = encodeCancel(signCancel(o.number, w.clock.nowMs(), o.trader))
      const ch = w.net.channel(bytesToHex(o.trader.publicKey))
      o.cancelled = true
      for (const to of w.randomLive(1 + w.rng.int(2))) {
        expect(await askMarket(ch, to, { t: 'cancel', cancel })).toEqual({ t: 'ok' })
        o.cancelledAt.push(to)
      }
    }
    expect(converged()).toBe(false)

    // Sync until every live book holds exactly the expected set.
    let rounds = 0
    while (!converged() && rounds < 40) {
      await w.round()
      rounds++
    }
    expect(converged()).toBe(true)
    // On past every short expiry (290 s and 300 s lives): the books keep agreeing after each round.
    const lastShort = Math.max(
      ...placed.filter((o) => o.expiresAtMs < NOW + 3_000_000).map((o) => o.expiresAtMs),
    )
    let after = 0
    while (w.clock.nowMs() <= lastShort + INTERVAL_MS) {
      await w.round()
      after++
      expect(converged()).toBe(true)
    }
    const liveCount = expected().size
    const expiredCount = placed.filter((o) => !o.cancelled && o.expiresAtMs < w.clock.nowMs()).length
    expect(expiredCount).toBeGreaterThan(40)
    expect(liveCount).toBe(500 - 40 - expiredCount)
    expect(fresh.every((n) => w.mm(n).orderIds().length === liveCount)).toBe(true)
    // Honest sync wasted nothing: no order was sent that the receiver had to refuse.
    expect(w.codes).toEqual({})
    console.log(
      `book sync: ${w.live.size} matchmakers (10 stopped, 10 fresh) converged in ${rounds} rounds after ` +
        `the last change; ${after} more rounds as ${expiredCount} expired: ${liveCount} live of 500, 40 cancelled`,
    )

    // A forged, a replayed (cancelled) and an expired order injected through sync.
    const other = generateIdentity(createSeededRng('injector'))
    const good = signed(other, 1, 'ask', 3n, w.clock.nowMs(), 3600).bytes
    const forged = good.slice()
    forged[100] = (forged[100] as number) ^ 1
    const replay = placed.find((o) => o.cancelled && o.cancelledAt.some((n) => w.live.has(n))) as PlacedOrder
    const victim = replay.cancelledAt.find((n) => w.live.has(n)) as string
    const expired = signed(other, 2, 'bid', 3n, w.clock.nowMs() - 7_200_000, 3600).bytes
    const evil = w.net.channel('evil')
    evil.serve(() =>
      encodeMarketMessage({ t: 'orders', orders: [forged, replay.bytes, expired], cancels: [] }),
    )
    const result = await w.mm(victim).syncWith('evil')
    expect(result).toEqual({
      orders: 3,
      cancels: 0,
      accepted: 0,
      refused: { MARKET_ORDER_FORGED: 1, MARKET_ORDER_REPLAYED: 1, MARKET_ORDER_EXPIRED: 1 },
    })
    for (let r = 0; r < 3; r++) await w.round()
    const bad = [orderIdOf({ trader: bytesToHex(other.publicKey), number: 1 }), replay.id]
    bad.push(orderIdOf({ trader: bytesToHex(other.publicKey), number: 2 }))
    for (const n of w.live) for (const id of bad) expect(w.mm(n).book.get(id)).toBeUndefined()
    expect(converged()).toBe(true)
  }, 90_000)

  it('a flood of 5 000 fresh keys through sync leaves every book within its limits', async () => {
    const limits = { book: { maxOrders: 1000, maxOrdersPerTrader: 16 }, seenCapacity: 20_000 }
    const w = network(limits)
    for (let i = 0; i < 50; i++) w.join(3)
    const traders = Array.from({ length: 20 }, (_, i) => generateIdentity(createSeededRng(`honest-${i}`)))
    const honest: string[] = []
    for (const trader of traders)
      for (let n = 0; n < 10; n++) {
        const o = signed(trader, n, n % 2 === 0 ? 'ask' : 'bid', 2n, w.clock.nowMs(), 3600)
        const ch = w.net.channel(bytesToHex(trader.publicKey))
        for (const to of w.randomLive(2)) await askMarket(ch, to, { t: 'order', order: o.bytes })
        honest.push(orderIdOf({ trader: bytesToHex(trader.publicKey), number: n }))
      }
    // The honest traders have traded before: their orders are never evicted for strangers'.
    for (const n of w.live) for (const t of traders) w.mm(n).book.markKnown(bytesToHex(t.publicKey))
    for (let r = 0; r < 2; r++) await w.round()
    const heldBefore = new Map([...w.live].map((n) => [n, honest.filter((id) => w.mm(n).book.get(id))]))
    expect([...heldBefore.values()].reduce((a, ids) => a + ids.length, 0)).toBeGreaterThan(2000)

    // 5 000 fresh keys, one order each, and one key with 40 orders.
    const flood: Uint8Array[] = []
    for (let i = 0; i < 5000; i++) {
      const key = generateIdentity(createSeededRng(`flood-${i}`))
      flood.push(signed(key, 0, i % 2 === 0 ? 'ask' : 'bid', 1n, w.clock.nowMs(), 3600).bytes)
    }
    const greedy = generateIdentity(createSeededRng('greedy'))
    for (let n = 0; n < 40; n++) flood.push(signed(greedy, n, 'ask', 1n, w.clock.nowMs(), 3600).bytes)
    let cursor = 0
    const evil = w.net.channel('evil')
    evil.serve(() => {
      const orders = flood.slice(cursor, cursor + 200)
      cursor += orders.length
      return encodeMarketMessage({ t: 'orders', orders, cancels: [] })
    })
    const victims = w.randomLive(10)
    const refusals: Record<string, number> = {}
    for (let r = 0; r < 3; r++) {
      for (const v of victims) {
        const got = await w.mm(v).syncWith('evil')
        for (const [code, n] of Object.entries(got.refused)) refusals[code] = (refusals[code] ?? 0) + n
      }
      await w.round()
    }
    expect(cursor).toBe(flood.length)
    expect(refusals.MARKET_TRADER_LIMIT).toBeGreaterThanOrEqual(24)
    const greedyKey = bytesToHex(greedy.publicKey)
    for (const n of w.live) {
      const mm = w.mm(n)
      expect(mm.book.size()).toBeLessThanOrEqual(1000)
      expect(mm.book.openOrdersOf(greedyKey)).toBeLessThanOrEqual(16)
      const perTrader = new Map<string, number>()
      for (const o of [...mm.book.side('ask'), ...mm.book.side('bid')])
        perTrader.set(o.trader, (perTrader.get(o.trader) ?? 0) + 1)
      expect(Math.max(...perTrader.values())).toBeLessThanOrEqual(16)
      const s = mm.stats()
      expect(s.seen).toBeLessThanOrEqual(20_000)
      expect(s.tombstones).toBeLessThanOrEqual(10_000)
      // The honest orders it held are all still there.
      for (const id of heldBefore.get(n) ?? []) expect(mm.book.get(id)).toBeDefined()
    }
    // The flood did spread: the victims' neighbours hold flood orders too.
    const sizes = [...w.live].map((n) => w.mm(n).book.size())
    console.log(
      `flood: book sizes ${sizes.sort((a, b) => a - b).join(' ')}; refusals ${JSON.stringify(refusals)}`,
    )
    // (honest orders are at most 200 a book)
    expect(sizes.filter((s) => s > 200).length).toBeGreaterThan(victims.length)
  }, 90_000)
})

describe('book sync, matching and the loop', () => {
  it('an order that arrives by sync and crosses the book is matched once, MATCH to both traders', async () => {
    const w = network({ reciprocate: false })
    const [m1, m2] = [w.join(0), w.join(0)]
    w.connect(m1 as string, m2 as string)
    const seller = generateIdentity(createSeededRng('seller'))
    const buyer = generateIdentity(createSeededRng('buyer'))
    const got: { to: string; notice: MatchNotice }[] = []
    for (const id of [seller, buyer]) {
      const key = bytesToHex(id.publicKey)
      serveMarket(w.net.channel(key), {
        trader: (_from, r) => {
          got.push({ to: key, notice: r })
          return { t: 'accept' }
        },
      })
    }
    const ask = encodeOrder(
      signOrder(
        { number: 1, side: 'ask', mbBytes: 10n * MB, sats: 1000n, timestampMs: NOW, timeoutS: 3600 },
        seller,
      ),
    )
    const bid = encodeOrder(
      signOrder(
        { number: 2, side: 'bid', mbBytes: 10n * MB, sats: 1200n, timestampMs: NOW, timeoutS: 3600 },
        buyer,
      ),
    )
    await askMarket(w.net.channel(bytesToHex(seller.publicKey)), m1 as string, { t: 'order', order: ask })
    await askMarket(w.net.channel(bytesToHex(buyer.publicKey)), m2 as string, { t: 'order', order: bid })
    expect(got).toHaveLength(0)
    const r = await w.mm(m1 as string).syncWith(m2 as string)
    expect(r.accepted).toBe(1)
    await w.mm(m1 as string).settled()
    expect(got.map((g) => g.to).sort()).toEqual(
      [bytesToHex(buyer.publicKey), bytesToHex(seller.publicKey)].sort(),
    )
    expect(got[0]?.notice.matchmaker).toBe(m1)
    expect(w.mm(m1 as string).orderIds()).toEqual([])
    // m2 still holds the bid, but m1 filled it: sync does not bring it (or the filled ask) back to m1.
    for (let i = 0; i < 3; i++) {
      const again = await w.mm(m1 as string).syncWith(m2 as string)
      expect(again.orders).toBe(0)
    }
    expect(w.mm(m1 as string).stats().matches).toBe(1)
  })

  it('refuses sync past the sender rate limit; syncWith reports it', async () => {
    // A sync takes 4 of the sender's tokens.
    const w = network({ burst: 9, perSecond: 1 })
    const [a, b] = [w.join(0), w.join(0)] as [string, string]
    await w.mm(a).syncWith(b)
    await w.mm(a).syncWith(b)
    await expect(w.mm(a).syncWith(b)).rejects.toThrow(/MARKET_RATE_LIMITED/)
  })

  it('the loop syncs once per interval of world time with a random peer and stops', async () => {
    const w = network()
    const names = [w.join(0), w.join(0), w.join(0)]
    const trader = generateIdentity(createSeededRng('loop'))
    const o = signed(trader, 1, 'ask', 1n, NOW, 3600)
    await askMarket(w.net.channel(bytesToHex(trader.publicKey)), names[0] as string, {
      t: 'order',
      order: o.bytes,
    })
    const loops = names.map((name) =>
      startBookSync(
        {
          clock: w.clock,
          rng: createSeededRng(`loop-${name}`),
          log: createNullLogger(),
          matchmaker: w.mm(name),
          peers: () => names.filter((n) => n !== name),
        },
        { intervalMs: 10_000 },
      ),
    )
    await w.clock.advance(9_999)
    expect(loops.map((l) => l.rounds())).toEqual([0, 0, 0])
    for (let i = 0; i < 6; i++) await w.clock.advance(10_000)
    expect(loops.map((l) => l.rounds())).toEqual([6, 6, 6])
    for (const name of names) expect(w.mm(name).orderIds()).toHaveLength(1)
    await Promise.all(loops.map((l) => l.stop()))
    expect(w.clock.pending()).toBe(0)
    await w.clock.advance(60_000)
    expect(loops.map((l) => l.rounds())).toEqual([6, 6, 6])
  })
})

describe('the sync loop on a fast world clock', () => {
  it('waits at least minGapMs of real time between rounds, however fast world time runs', async () => {
    const w = network()
    const [a, b] = [w.join(0), w.join(0)] as [string, string]
    const real = createVirtualClock(0)
    const loop = startBookSync(
      {
        clock: w.clock,
        realClock: real,
        rng: createSeededRng('gap'),
        log: createNullLogger(),
        matchmaker: w.mm(a),
        peers: () => [b],
      },
      { intervalMs: 30_000, minGapMs: 1000 },
    )
    await w.clock.advance(300_000)
    expect(loop.rounds()).toBe(0)
    await real.advance(1000)
    expect(loop.rounds()).toBe(1)
    await real.advance(999)
    await w.clock.advance(30_000)
    expect(loop.rounds()).toBe(1)
    await real.advance(1)
    expect(loop.rounds()).toBe(2)
    await loop.stop()
    expect(real.pending() + w.clock.pending()).toBe(0)
  })
})
