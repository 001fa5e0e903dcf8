import { bytesToHex, errorCode, type Logger } from '@dolly/base'
import { decideBuybot, type BidTick, type BuybotState } from '../../strategies/buybot.ts'
import type { BookEntry } from '../messages.ts'
import { MIN_MATCH_SATS } from '../min-match.ts'
import { nextBidNumber, startTradingNode, type MarketBuyerDeps } from './market-buyer.ts'

/**
 * The buybot (ALGORITHMS.md §5.7, plebnet `tools/buybot.py`): an operator's node that supplies demand
 * by mirroring every agent's offer priced at or below its limit. Here agents sell MB with asks, so
 * the buybot mirrors asks with bids of the same bytes and sats (the ask's remaining part), cheapest
 * first, `gapMs` apart, every `everyMs`; an ask is mirrored once while it is remembered. The limit is
 * the original's: BTC per MB as a decimal ("less or equal", as its README says).
 */

/** Bytes per MB token. */
const MB = 1n << 20n
/** Orders asked of each matchmaker per round. */
const BOOK_LIMIT = 100

/** Options of the buybot. */
export interface BuybotOptions {
  /** Highest price mirrored, BTC per MB, a decimal like `0.000001` (100 sats per MB). */
  readonly limitBtcPerMb: string
  /** Real ms between two rounds (original: 300 s). */
  readonly everyMs: number
  /** Real ms between two bids of a round (original: 10 s). */
  readonly gapMs: number
  /** How long a mirrored bid stands, world s (≤ 86 400; the original's asks had no timeout). */
  readonly bidTimeoutS: number
  /** Called after each placed bid (progress output). */
  readonly onBid?: (bid: BuybotBid) => void
}

/** One mirrored ask. */
export interface BuybotBid {
  readonly number: number
  readonly ask: string
  readonly mbBytes: bigint
  readonly sats: bigint
}

/** A running buybot. */
export interface Buybot {
  /** Runs one round now; resolves with the bids it placed. */
  round(): Promise<number>
  stats(): {
    readonly rounds: number
    readonly bids: number
    readonly tradesCompleted: number
    readonly tradesAborted: number
    readonly satsPaid: bigint
    readonly mbBoughtBytes: bigint
  }
  stop(): Promise<void>
}

/** The sats of an ask's remaining bytes, rounded up (a bid must pay at least the ask's price). */
function remainingSats(e: BookEntry): bigint {
  return (e.sats * e.remaining + e.mbBytes - 1n) / e.mbBytes
}

/** Asks as the pure buybot's ticks: first = sats × 2^20 (so first / 1e8 / second is BTC per MB exactly), second = bytes. */
function ticksOf(asks: readonly BookEntry[], expiresMs: number): BidTick[] {
  return asks
    .filter((e) => e.remaining > 0n && e.mbBytes > 0n)
    .map((e) => ({
      id: e.id,
      traderId: e.trader,
      first: { amount: remainingSats(e) * MB, type: 'BTC' },
      second: { amount: e.remaining, type: 'MB' },
      expiresMs,
    }))
}

/** What one buybot round uses of the node's market. */
export interface BuybotMarket {
  hasMatchmakers(): boolean
  book(limit: number): Promise<{ readonly asks: readonly BookEntry[] }>
  placeBid(bid: { number: number; mbBytes: bigint; sats: bigint; timeoutS: number }): Promise<void>
}

/**
 * One round: reads the merged book, lets the pure buybot decide (decideBuybot), and places a bid per
 * mirrored ask of at least MIN_MATCH_SATS, `gapMs` apart; `nextNumber` journals each bid's number.
 */
export async function buybotRound(
  deps: {
    readonly market: BuybotMarket
    readonly me: string
    readonly nowMs: number
    readonly sleep: (ms: number) => Promise<void>
    readonly nextNumber: () => Promise<number>
    readonly log: Logger
    readonly aborted: () => boolean
  },
  state: BuybotState,
  options: Pick<BuybotOptions, 'limitBtcPerMb' | 'gapMs' | 'bidTimeoutS' | 'onBid'>,
): Promise<{ readonly state: BuybotState; readonly placed: number }> {
  if (!deps.market.hasMatchmakers()) return { state, placed: 0 }
  const { asks } = await deps.market.book(BOOK_LIMIT)
  const decided = decideBuybot(state, {
    bids: ticksOf(asks, deps.nowMs + options.bidTimeoutS * 1000),
    coin: 'BTC',
    traderId: deps.me,
    limitBtcPerMb: options.limitBtcPerMb,
    nowMs: deps.nowMs,
  })
  let placed = 0
  for (const mirror of decided.asks) {
    if (deps.aborted()) break
    const sats = mirror.first.amount / MB
    const mbBytes = mirror.second.amount
    if (sats < MIN_MATCH_SATS) {
      deps.log.info('buybot.ask_too_small', { ask: mirror.tickId, sats: sats.toString() })
      continue
    }
    if (placed > 0) await deps.sleep(options.gapMs)
    if (deps.aborted()) break
    const number = await deps.nextNumber()
    await deps.market.placeBid({ number, mbBytes, sats, timeoutS: options.bidTimeoutS })
    placed += 1
    deps.log.info('buybot.bid', {
      number,
      ask: mirror.tickId,
      mbBytes: mbBytes.toString(),
      sats: sats.toString(),
    })
    options.onBid?.({ number, ask: mirror.tickId, mbBytes, sats })
  }
  return { state: decided.state, placed }
}

/** Starts the buybot on a running node (its trading node: market without matchmaker, settlement). */
export async function startBuybot(deps: MarketBuyerDeps, options: BuybotOptions): Promise<Buybot> {
  const log = deps.log.child({ component: 'buybot' })
  const node = await startTradingNode(deps)
  const me = bytesToHex(deps.identity.publicKey)
  let state: BuybotState = { mirrored: {} }
  let rounds = 0
  let bids = 0
  const stopper = new AbortController()
  const round = async (): Promise<number> => {
    const market = node.market.agentMarket()
    if (market === undefined) return 0
    const result = await buybotRound(
      {
        market,
        me,
        nowMs: deps.marketClock.nowMs(),
        sleep: (ms) => deps.clock.sleep(ms, { signal: stopper.signal }).catch(() => undefined),
        nextNumber: () => nextBidNumber(deps.home),
        log,
        aborted: () => stopper.signal.aborted,
      },
      state,
      options,
    )
    state = result.state
    if (market.hasMatchmakers()) rounds += 1
    bids += result.placed
    return result.placed
  }
  const loop = (async () => {
    while (!stopper.signal.aborted) {
      await round().catch((err: unknown) =>
        log.warn('buybot.round_failed', { code: errorCode(err) ?? 'error', error: err }),
      )
      await deps.clock.sleep(options.everyMs, { signal: stopper.signal }).catch(() => undefined)
    }
  })()
  return {
    round,
    stats() {
      const s = node.settlement.stats()
      return {
        rounds,
        bids,
        tradesCompleted: s.completed,
        tradesAborted: s.aborted,
        satsPaid: s.satsPaid,
        mbBoughtBytes: s.mbBoughtBytes,
      }
    },
    async stop() {
      stopper.abort()
      await loop
      await node.stop()
    },
  }
}
