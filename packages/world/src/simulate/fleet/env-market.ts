/**
 * The simulator's token market for one family (issue 19): the market package's real matching
 * engine (price-time priority, partial fills at the maker's price) with the agents' asks on one
 * side and modelled buyers' bids on the other. Buyers arrive at the scenario's rate with log-normal
 * prices around a median that moves as a random walk (the volatility); each agent sees the book as
 * plebnet's `TokenMarket` port. A fill credits the seller's sats, which the family pays to the
 * agent's wallet on the chain before its next tick (the buyer's payment, modelled).
 */
import { ASK, BID, createMatchingEngine } from '@dolly/market'
import type { AskRequest, TokenMarket, Trade } from '@dolly/plebnet'
import type { Rng } from '@dolly/base'
import type { Scenario } from './scenario.ts'

/** Bytes of one MB token (MB = bytes / 2^20). */
export const MB_BYTES = 1_048_576
const HOUR_MS = 3_600_000
/** Trades the strategies see at most (the newest). */
const MAX_TRADES = 512
const BUYER = 0

/** What the market keeps of a seller: its MB balance is its earnings less what it sold. */
export interface Seller {
  readonly trader: number
  /** MB token bytes the agent earned (its ledger balance's growth). */
  earnedBytes(): number
  soldBytes: number
  /** Sats from fills not yet paid to its wallet. */
  pendingSats: number
  /** Its asks by our order number. */
  readonly asks: Map<number, { readonly id: number; handle: number; readonly bytes: number; traded: number }>
}

/** The family's market. */
export interface EnvMarket {
  /** The agent's view as plebnet's port. */
  portOf(seller: Seller, nowMs: () => number): TokenMarket
  /** Modelled buyers for `hours` at `agents` living agents: bids placed against the asks. */
  buyers(nowMs: number, hours: number, agents: number): void
  /** Moves the buyers' median price one day (the volatility) and applies `factor` once. */
  dayStep(normal: () => number, factor?: number): void
  /** Removes a dead seller's asks. */
  retire(seller: Seller): void
  readonly stats: { bytesSold: number; satsPaid: number; trades: number }
  readonly medianSatPerMb: () => number
}

/** A standard normal draw from `rng` (Box–Muller). */
export function normalOf(rng: Rng): () => number {
  return () => {
    const u = 1 - rng.float()
    const v = rng.float()
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
  }
}

/** A family market over the scenario's buyer model, drawing from `rng`. */
export function createEnvMarket(scenario: Pick<Scenario, 'market'>, rng: Rng): EnvMarket {
  const m = scenario.market
  const normal = normalOf(rng)
  let median = m.medianSatPerMb
  let nextId = 1
  const makers = new Map<number, { readonly seller: Seller; readonly number: number } | null>()
  const trades: Trade[] = []
  const stats = { bytesSold: 0, satsPaid: 0, trades: 0 }
  let fillAtMs = 0
  const engine = createMatchingEngine({
    onFill(makerId, takerId, bytes, sats) {
      const maker = makers.get(makerId)
      const taker = makers.get(takerId)
      const sell = maker ?? taker
      if (sell === undefined || sell === null) return
      const ask = sell.seller.asks.get(sell.number)
      if (ask !== undefined) ask.traded += bytes
      sell.seller.soldBytes += bytes
      sell.seller.pendingSats += sats
      stats.bytesSold += bytes
      stats.satsPaid += sats
      stats.trades++
      trades.push({ priceSatPerMb: (sats * MB_BYTES) / bytes, timeMs: fillAtMs })
      if (trades.length > MAX_TRADES * 2) trades.splice(0, trades.length - MAX_TRADES)
    },
    onExpire: (id) => void makers.delete(id),
  })
  const bestBid = (): number | null => {
    const top = engine.depth(BID)[0]
    return top === undefined ? null : (top.sats * MB_BYTES) / top.bytes
  }
  const held = (s: Seller): number => {
    let sum = 0
    for (const a of s.asks.values()) {
      if (a.handle < 0) continue
      const left = engine.remaining(a.handle, a.id)
      if (left === 0) a.handle = -1
      sum += left
    }
    // Asks that left the book are kept for `fillOf` only while they are among the newest few.
    if (s.asks.size > 8)
      for (const [number, a] of s.asks) {
        if (s.asks.size <= 8) break
        if (a.handle < 0) s.asks.delete(number)
      }
    return sum
  }
  return {
    stats,
    medianSatPerMb: () => median,
    portOf(seller, nowMs) {
      return {
        canCancel: true,
        // The modelled market settles fills without trade payments on a chain, so no dust minimum.
        minOrderSats: 0n,
        hasMatchmakers: () => true,
        trades: () => (trades.length > MAX_TRADES ? trades.slice(-MAX_TRADES) : trades),
        bestBidSatPerMb: bestBid,
        availableMbBytes() {
          const free = seller.earnedBytes() - seller.soldBytes - held(seller)
          return Promise.resolve(free > 0 ? BigInt(Math.floor(free)) : 0n)
        },
        placeAsk(ask: AskRequest) {
          if (seller.asks.has(ask.number) || ask.mbBytes <= 0n || ask.sats <= 0n) return Promise.resolve()
          const bytes = Number(ask.mbBytes)
          const sats = Number(ask.sats)
          if (!Number.isSafeInteger(bytes) || !Number.isSafeInteger(sats)) return Promise.resolve()
          const id = nextId++
          const now = nowMs()
          fillAtMs = now
          makers.set(id, { seller, number: ask.number })
          const rec = { id, handle: -1, bytes, traded: 0 }
          seller.asks.set(ask.number, rec)
          const left = engine.limit(
            id,
            seller.trader,
            ASK,
            sats,
            bytes,
            bytes,
            now + ask.timeoutS * 1000,
            now,
          )
          rec.handle = left > 0 ? engine.restedHandle() : -1
          if (left === 0) makers.delete(id)
          return Promise.resolve()
        },
        cancel(number) {
          const a = seller.asks.get(number)
          if (a !== undefined && a.handle >= 0) {
            engine.cancel(a.handle, a.id)
            makers.delete(a.id)
            a.handle = -1
          }
          return Promise.resolve()
        },
        fillOf(number) {
          const a = seller.asks.get(number)
          return a === undefined ? null : a.traded / a.bytes
        },
      }
    },
    buyers(nowMs, hours, agents) {
      fillAtMs = nowMs
      engine.expire(nowMs)
      const expected = (m.bidsPerAgentDay * agents * hours) / 24
      // A Poisson count by inversion, bounded (large means use the mean: the spread is small there).
      let count: number
      if (expected > 50) count = Math.round(expected + Math.sqrt(expected) * normal())
      else {
        count = 0
        let p = Math.exp(-expected)
        let cdf = p
        const u = rng.float()
        while (u > cdf && count < 200) {
          count++
          p = (p * expected) / count
          cdf += p
        }
      }
      const [lo, hi] = m.bidMb
      for (let i = 0; i < count; i++) {
        const mb = lo + rng.float() * (hi - lo)
        const bytes = Math.max(1, Math.round(mb * MB_BYTES))
        const price = median * Math.exp(m.priceSigma * normal())
        const sats = Math.max(1, Math.round(price * mb))
        const id = nextId++
        makers.set(id, null)
        const left = engine.limit(id, BUYER, BID, sats, bytes, bytes, nowMs + m.bidHours * HOUR_MS, nowMs)
        if (left === 0) makers.delete(id)
      }
    },
    dayStep(normalDraw, factor = 1) {
      median = Math.max(1e-6, median * factor * Math.exp(m.volatilityPerDay * normalDraw()))
    },
    retire(seller) {
      for (const a of seller.asks.values())
        if (a.handle >= 0) {
          engine.cancel(a.handle, a.id)
          makers.delete(a.id)
          a.handle = -1
        }
    },
  }
}
