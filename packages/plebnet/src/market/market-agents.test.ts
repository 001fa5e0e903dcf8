import {
  bytesToHex,
  createMemoryLogger,
  createSeededRng,
  createSignatureVerifier,
  createVirtualClock,
  generateIdentity,
  noCheckpoint,
  type Clock,
} from '@dolly/base'
import { createRootGenome, type Genome } from '@dolly/learning'
import { describe, expect, it } from 'vitest'
import { createMemoryAgentStore } from '../agent/adapters/memory-store.ts'
import { MB_BYTES, sellStep } from '../agent/effects/sell.ts'
import type { BuybotState } from '../strategies/buybot.ts'
import { buybotRound } from './adapters/buybot.ts'
import { createMemoryMarketNet, serveMarket, type MemoryMarketNet } from './channel.ts'
import { createMatchmaker, type Matchmaker } from './matchmaker.ts'
import { MIN_MATCH_SATS } from './min-match.ts'
import {
  BID_NUMBER_BASE,
  createAgentTokenMarket,
  type AgentTokenMarket,
  type OwnMatch,
} from './token-market.ts'

const NOW = Date.UTC(2027, 0, 10, 12)
const DAY = 86_400_000
const verifier = createSignatureVerifier()

/** One agent: a matchmaker and a trader on one channel, its ledger balance a variable. */
function agent(
  net: MemoryMarketNet,
  clock: Clock,
  seed: string,
  peers: () => readonly string[],
  balance: bigint,
) {
  const identity = generateIdentity(createSeededRng(seed))
  const key = bytesToHex(identity.publicKey)
  const channel = net.channel(key)
  const log = createMemoryLogger()
  const matches: OwnMatch[] = []
  const state = { balance }
  const mm: Matchmaker = createMatchmaker({
    clock,
    rng: createSeededRng(`${seed}-mm`),
    log,
    verifier,
    channel,
    addressOf: (t) => t,
  })
  const market: AgentTokenMarket = createAgentTokenMarket(
    {
      clock,
      log,
      signer: identity,
      channel,
      matchmakers: peers,
      balanceBytes: () => Promise.resolve(state.balance),
      onMatch: (m) => matches.push(m),
    },
    { pollIntervalMs: 0 },
  )
  serveMarket(channel, {
    matchmaker: (from, r) => mm.handle(from, r),
    trader: (from, r) => market.handleMatch(from, r),
  })
  return { key, mm, market, matches, state, store: createMemoryAgentStore(), log }
}

function genome(): Genome {
  const g = createRootGenome({ providers: ['memhost'], version: '0.1.0', exitNode: false })
  return { ...g, strategy: { ...g.strategy, name: 'constant_sell' } }
}

describe('the market between agents (memory channel)', () => {
  it("A's sell step places an ask on the matchmakers, B's bid matches, both get MATCH, A's fill shows", async () => {
    const clock = createVirtualClock(NOW)
    const net = createMemoryMarketNet()
    const keys: string[] = []
    const others = (me: number) => () => keys.filter((_, i) => i !== me)
    const a = agent(net, clock, 'agent-a', others(0), 8_000n * MB_BYTES)
    const b = agent(net, clock, 'agent-b', others(1), 0n)
    const c = agent(net, clock, 'agent-c', others(2), 0n)
    keys.push(a.key, b.key, c.key)

    // A's sell step: constant_sell offers all 8 000 MB for the 400 000 sat still missing (ALGORITHMS.md §5.2).
    const ports = { market: a.market, store: a.store, clock, log: a.log, checkpoint: noCheckpoint }
    const input = {
      genome: genome(),
      spendableSats: 60_000n,
      expirationMs: NOW + 30 * DAY,
      replicationPriceSats: 460_000n,
    }
    const report = await sellStep(ports, {}, input)
    expect(report?.placed).toMatchObject({ number: 1, mbBytes: 8_000n * MB_BYTES, sats: 400_000n })
    // The ask rests at both other agents' matchmakers (not at A's own).
    for (const x of [b, c]) expect(x.mm.book.get(`${a.key}:1`)?.remaining).toBe(8_000n * MB_BYTES)
    expect(a.mm.book.size()).toBe(0)
    expect(a.market.orders().get(1)?.sentTo.sort()).toEqual([b.key, c.key].sort())
    // Placing again under the same number is a no-op: nothing new reaches the matchmakers.
    const before = net.delivered()
    await a.market.placeAsk({ number: 1, mbBytes: 8_000n * MB_BYTES, sats: 400_000n, timeoutS: 3600 })
    expect(net.delivered()).toBe(before)
    // The held ask is not available again.
    expect(await a.market.availableMbBytes()).toBe(0n)

    // B bids for 2 000 MB at 60 sat/MB (above A's 50): its matchmakers are A and C; C holds A's ask.
    await b.market.placeBid({ number: 1, mbBytes: 2_000n * MB_BYTES, sats: 120_000n, timeoutS: 3600 })
    await c.mm.settled()
    await a.mm.settled()
    expect(a.matches).toHaveLength(1)
    expect(b.matches).toHaveLength(1)
    const [ma] = a.matches
    const [mb] = b.matches
    expect(ma).toMatchObject({
      matchmaker: c.key,
      order: `${a.key}:1`,
      side: 'ask',
      counterparty: b.key,
      counterpartyOrder: `${b.key}:${BID_NUMBER_BASE + 1}`,
      mbBytes: 2_000n * MB_BYTES,
      sats: 100_000n, // at the maker's (A's) price
    })
    expect(mb).toMatchObject({
      id: ma?.id,
      order: `${b.key}:${BID_NUMBER_BASE + 1}`,
      side: 'bid',
      counterparty: a.key,
    })
    expect(a.market.fillOf(1)).toBe(0.25)
    expect(b.market.orders().get(BID_NUMBER_BASE + 1)?.matchedBytes).toBe(2_000n * MB_BYTES)

    // The trade is reported: prices for the strategies, and the next sell step reads the fill.
    await a.market.refresh()
    expect(a.market.trades()).toEqual([{ priceSatPerMb: 50, timeMs: NOW }])
    // While the match settles its bytes stay held; once the settlement reports it done, they left the balance.
    expect(await a.market.availableMbBytes()).toBe(0n)
    if (ma !== undefined) a.market.matchSettled(ma, true)
    a.state.balance -= 2_000n * MB_BYTES
    expect(await a.market.availableMbBytes()).toBe(0n) // 6 000 MB still held by the open ask
    clock.advance(3_700_000)
    expect(await a.market.availableMbBytes()).toBe(6_000n * MB_BYTES) // the ask expired
    const next = await sellStep(ports, {}, input)
    expect(next?.placed?.number).toBe(2)
  })

  it('declines a MATCH that would over-fill an order sent to several matchmakers, and a forged one', async () => {
    const clock = createVirtualClock(NOW)
    const net = createMemoryMarketNet()
    const keys: string[] = []
    const others = (me: number) => () => keys.filter((_, i) => i !== me)
    const a = agent(net, clock, 'agent-a', others(0), 100n * MB_BYTES)
    const b = agent(net, clock, 'agent-b', others(1), 0n)
    const c = agent(net, clock, 'agent-c', others(2), 0n)
    const d = agent(net, clock, 'agent-d', others(3), 0n)
    keys.push(a.key, b.key, c.key, d.key)
    await a.market.placeAsk({ number: 1, mbBytes: 100n * MB_BYTES, sats: 10_000n, timeoutS: 3600 })
    // B's bid for all 100 MB reaches C and D (and A); both C and D match it against A's ask.
    await b.market.placeBid({ number: 1, mbBytes: 100n * MB_BYTES, sats: 20_000n, timeoutS: 3600 })
    await Promise.all([c.mm.settled(), d.mm.settled(), a.mm.settled()])
    expect(c.mm.stats().matches + d.mm.stats().matches).toBe(2)
    expect(a.matches).toHaveLength(1)
    expect(b.matches).toHaveLength(1)
    expect(a.market.fillOf(1)).toBe(1)
    // A MATCH naming a matchmaker other than its sender is declined.
    const forged = { ...(a.matches[0] as OwnMatch), id: 'ffffffffffffffffffff', matchmaker: 'someone-else' }
    expect(a.market.handleMatch(c.key, forged)).toEqual({ t: 'decline', code: 'MARKET_MESSAGE_MALFORMED' })
  })

  it('declines a MATCH worth less than MIN_MATCH_SATS: its payment would be dust', async () => {
    const clock = createVirtualClock(NOW)
    const net = createMemoryMarketNet()
    const keys: string[] = []
    const others = (me: number) => () => keys.filter((_, i) => i !== me)
    const a = agent(net, clock, 'agent-a', others(0), 100n * MB_BYTES)
    const b = agent(net, clock, 'agent-b', others(1), 0n)
    const c = agent(net, clock, 'agent-c', others(2), 0n)
    keys.push(a.key, b.key, c.key)
    // 13 MB at 145 sat/MB: 1 885 sats, below the 2 940 sats dust limit of a world p2wpkh output.
    await a.market.placeAsk({ number: 1, mbBytes: 13n * MB_BYTES, sats: 1_885n, timeoutS: 3600 })
    await b.market.placeBid({ number: 1, mbBytes: 256n * MB_BYTES, sats: 37_120n, timeoutS: 3600 })
    await Promise.all([a.mm.settled(), c.mm.settled()])
    expect(c.mm.stats().matches).toBeGreaterThan(0)
    expect(a.matches).toHaveLength(0)
    expect(b.matches).toHaveLength(0)
    expect(a.market.fillOf(1)).toBe(0)
    expect(MIN_MATCH_SATS).toBe(6_000n)
  })

  it('keeps an order no matchmaker took and sends it when a matchmaker is reachable, once', async () => {
    const clock = createVirtualClock(NOW)
    const net = createMemoryMarketNet()
    const peers: string[] = ['nobody-here']
    const a = agent(net, clock, 'agent-a', () => peers, 10n * MB_BYTES)
    const b = agent(net, clock, 'agent-b', () => [a.key], 0n)
    await a.market.placeAsk({ number: 1, mbBytes: 10n * MB_BYTES, sats: 500n, timeoutS: 3600 })
    expect(a.market.orders().get(1)?.sentTo).toEqual([])
    expect(await a.market.availableMbBytes()).toBe(0n) // held all the same
    peers.push(b.key)
    clock.advance(1000)
    await a.market.refresh()
    expect(a.market.orders().get(1)?.sentTo).toEqual([b.key])
    expect(b.mm.book.get(`${a.key}:1`)?.remaining).toBe(10n * MB_BYTES)
    // Not sent again to a matchmaker that holds it.
    const before = b.mm.stats()
    await a.market.refresh()
    expect(b.mm.stats()).toEqual(before)
  })
})

describe('the buybot against real matchmakers (memory channel)', () => {
  it('mirrors each ask at or below its limit once, cheapest first, and skips dust-sized asks', async () => {
    const clock = createVirtualClock(NOW)
    const net = createMemoryMarketNet()
    const keys: string[] = []
    const others = (me: number) => () => keys.filter((_, i) => i !== me)
    const a = agent(net, clock, 'agent-a', others(0), 1_000n * MB_BYTES)
    const c = agent(net, clock, 'agent-c', others(1), 1_000n * MB_BYTES)
    const d = agent(net, clock, 'agent-d', others(2), 1_000n * MB_BYTES)
    const bot = agent(net, clock, 'buybot', others(3), 0n)
    keys.push(a.key, c.key, d.key, bot.key)
    // 100 sat/MB (mirrored), 500 sat/MB (above the limit), 100 sat/MB but 1 000 sats (dust-sized).
    await a.market.placeAsk({ number: 1, mbBytes: 200n * MB_BYTES, sats: 20_000n, timeoutS: 3600 })
    await c.market.placeAsk({ number: 1, mbBytes: 100n * MB_BYTES, sats: 50_000n, timeoutS: 3600 })
    await d.market.placeAsk({ number: 1, mbBytes: 10n * MB_BYTES, sats: 1_000n, timeoutS: 3600 })
    const numbers = [7, 8, 9]
    const slept: number[] = []
    const round = (state: BuybotState) =>
      buybotRound(
        {
          market: bot.market,
          me: bot.key,
          nowMs: clock.nowMs(),
          sleep: (ms) => Promise.resolve(void slept.push(ms)),
          nextNumber: () => Promise.resolve(numbers.shift() ?? -1),
          log: bot.log,
          aborted: () => false,
        },
        state,
        { limitBtcPerMb: '0.000002', gapMs: 10_000, bidTimeoutS: 86_400 },
      )
    const first = await round({ mirrored: {} })
    expect(first.placed).toBe(1)
    expect(bot.market.orders().get(BID_NUMBER_BASE + 7)).toMatchObject({
      side: 'bid',
      mbBytes: 200n * MB_BYTES,
      sats: 20_000n,
    })
    await Promise.all([a.mm.settled(), c.mm.settled(), d.mm.settled()])
    // The mirrored bid matched A's ask: both traders accepted one MATCH of 200 MB for 20 000 sats.
    expect(a.matches).toHaveLength(1)
    expect(a.matches[0]).toMatchObject({ counterparty: bot.key, mbBytes: 200n * MB_BYTES, sats: 20_000n })
    expect(bot.matches).toHaveLength(1)
    expect(c.matches).toHaveLength(0)
    expect(d.matches).toHaveLength(0)
    // Next round: A's ask is gone or remembered, C's is too dear, D's too small: nothing placed.
    const second = await round(first.state)
    expect(second.placed).toBe(0)
    expect(slept).toEqual([])
  })
})
