import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  BaseError,
  createCryptoRng,
  errorCode,
  writeFileAtomic,
  type BlockSigner,
  type Checkpoint,
  type Clock,
  type Logger,
} from '@dolly/base'
import type { LedgerComponent } from '@dolly/ledger'
import type { AgentNetwork, Libp2pHost } from '@dolly/overlay'
import type { ChainBackend, Wallet } from '@dolly/wallet'
import { createMarketComponent, type MarketComponent } from './market-component.ts'
import { tradeMatch } from './trading.ts'
import { createSettlement, type Settlement } from '../settlement/settlement.ts'
import { createLibp2pTradeChannel } from '../settlement/trade-channel.ts'
import { isOpenOrder } from '../open-order.ts'
import { BID_NUMBER_BASE } from '../token-market.ts'
import { decideBuy, type BidView, type BuyPolicy } from '../buyer/buy-policy.ts'
import { limitPayments, type Cheat } from '../buyer/cheat.ts'

/** The buyer's bid counter, journaled before a bid is placed (a restart never reuses a number). */
const COUNTER_FILE = 'buyer.json'
/** Real ms between two looks at the balance (default). */
export const BUYER_CHECK_MS = 5_000

/** Ports of a token buyer: a node that is no agent (a world user's proxy, the buybot). */
export interface MarketBuyerDeps {
  /** Real time: the check loop and the settlement's rounds. */
  readonly clock: Clock
  /** World time: orders' timestamps and expiries (the matchmakers' clock). */
  readonly marketClock: Clock
  readonly log: Logger
  readonly identity: BlockSigner
  readonly home: string
  readonly network: { network(): AgentNetwork | undefined; host(): Libp2pHost | undefined }
  /** The node's ledger (started): MB arrive on it, countersigned under the trade's expectation. */
  readonly ledger: Pick<LedgerComponent, 'ledger' | 'protocol' | 'store' | 'expectations'>
  /** The MB balance, bytes (undefined while the ledger is closed). */
  readonly balanceBytes: () => bigint | undefined
  readonly wallet: Wallet
  readonly chain: ChainBackend
  /** Fault injection at the trade's named steps (TRADE_KILL_POINTS); default the no-op. */
  readonly checkpoint?: Checkpoint
}

/** Options of a token buyer. */
export interface MarketBuyerOptions {
  readonly policy: BuyPolicy
  /** A cheating buyer (world users): pays nothing, or only the first payment of each trade. */
  readonly cheat?: Cheat
  /** Real ms between looks at the balance (default {@link BUYER_CHECK_MS}). */
  readonly checkMs?: number
}

/** What a buyer did, for status lines. */
export interface MarketBuyerStats {
  readonly bids: number
  readonly tradesCompleted: number
  readonly tradesAborted: number
  readonly satsPaid: bigint
  readonly mbBoughtBytes: bigint
}

/** A running buyer. */
export interface MarketBuyer {
  stats(): MarketBuyerStats
  /** Looks at the balance and bids if the policy says so (the loop calls it every `checkMs`). */
  check(): Promise<void>
  stop(): Promise<void>
}

async function readCounter(home: string): Promise<number> {
  const text = await readFile(join(home, COUNTER_FILE), 'utf8').catch(() => undefined)
  if (text === undefined) return 0
  const parsed: unknown = JSON.parse(text)
  const next = (parsed as { next?: unknown }).next
  if (typeof next !== 'number' || !Number.isSafeInteger(next) || next < 0 || next >= BID_NUMBER_BASE)
    throw new BaseError('BASE_INVALID_OPTION', `${join(home, COUNTER_FILE)} is corrupt`, {})
  return next
}

/** A node's market and settlement without a matchmaker: it trades its own orders' matches. */
export interface TradingNode {
  readonly market: MarketComponent
  readonly settlement: Settlement
  stop(): Promise<void>
}

/**
 * The market (no matchmaker: the node only places orders on the neighbours' matchmakers) and the
 * settlement of its matches (sats from `wallet`, MB onto its ledger) of a node that is no agent: a
 * world user's proxy, the buybot. A match is traded as the agents trade theirs (trading.ts).
 */
export async function startTradingNode(
  deps: Omit<MarketBuyerDeps, 'wallet'> & { readonly wallet: Wallet },
): Promise<TradingNode> {
  const market = createMarketComponent(
    {
      clock: deps.marketClock,
      realClock: deps.clock,
      rng: createCryptoRng(),
      log: deps.log,
      signer: deps.identity,
      network: deps.network,
      balanceBytes: deps.balanceBytes,
    },
    { matchmaker: false },
  )
  const host = deps.network.host()
  if (host === undefined) throw new BaseError('BASE_INVALID_OPTION', 'the buyer starts after the network', {})
  const settlement: Settlement = createSettlement({
    home: deps.home,
    identity: deps.identity,
    clock: deps.clock,
    log: deps.log,
    ledger: deps.ledger,
    wallet: deps.wallet,
    chain: deps.chain,
    channel: createLibp2pTradeChannel({ host, log: deps.log }),
    ...(deps.checkpoint === undefined ? {} : { checkpoint: deps.checkpoint }),
  })
  market.onMatch((match) => {
    void tradeMatch(match, settlement, (m, ok) => market.agentMarket()?.matchSettled(m, ok), deps.log)
  })
  await settlement.start()
  await market.start()
  return {
    market,
    settlement,
    async stop() {
      await market.stop()
      await settlement.stop()
    },
  }
}

/** Journals the next bid number in `<home>/buyer.json` before the bid is placed; returns it. */
export async function nextBidNumber(home: string): Promise<number> {
  const number = await readCounter(home)
  await writeFileAtomic(join(home, COUNTER_FILE), `${JSON.stringify({ next: number + 1 })}\n`, {
    mode: 0o600,
  })
  return number
}

/**
 * Starts a token buyer on a running node: a trading node (startTradingNode) and a loop that bids by
 * `policy` whenever the MB balance is low. Every bid's number is journaled before the bid is placed.
 */
export async function startMarketBuyer(
  deps: MarketBuyerDeps,
  options: MarketBuyerOptions,
): Promise<MarketBuyer> {
  const log = deps.log.child({ component: 'buyer' })
  const wallet = options.cheat === undefined ? deps.wallet : limitPayments(deps.wallet, options.cheat)
  const { market, settlement, stop: stopTrading } = await startTradingNode({ ...deps, wallet })
  let bids = 0
  let checking: Promise<void> | undefined
  const check = async (): Promise<void> => {
    const agentMarket = market.agentMarket()
    if (agentMarket === undefined) return
    await agentMarket.refresh()
    const nowMs = deps.marketClock.nowMs()
    const own: BidView[] = [...agentMarket.orders().values()]
      .filter((o) => o.side === 'bid')
      .map((o) => ({
        mbBytes: o.mbBytes,
        matchedBytes: o.matchedBytes,
        unsettledBytes: o.unsettledBytes,
        open: isOpenOrder(o, nowMs),
      }))
    const balance = deps.balanceBytes()
    if (balance === undefined || !agentMarket.hasMatchmakers()) return
    const { spendableSats } = await deps.wallet.balance()
    const decision = decideBuy(options.policy, { balanceBytes: balance, spendableSats, bids: own })
    if (decision.kind === 'wait') return
    const number = await nextBidNumber(deps.home)
    bids += 1
    log.info('buyer.bid', {
      number,
      mbBytes: decision.mbBytes.toString(),
      sats: decision.sats.toString(),
      balance: balance.toString(),
    })
    await agentMarket.placeBid({
      number,
      mbBytes: decision.mbBytes,
      sats: decision.sats,
      timeoutS: options.policy.bidTimeoutS,
    })
  }
  const checkOnce = (): Promise<void> =>
    (checking ??= check()
      .catch((err: unknown) =>
        log.warn('buyer.check_failed', { code: errorCode(err) ?? 'error', error: err }),
      )
      .finally(() => {
        checking = undefined
      }))
  const stopper = new AbortController()
  const loop = (async () => {
    while (!stopper.signal.aborted) {
      await checkOnce()
      await deps.clock
        .sleep(options.checkMs ?? BUYER_CHECK_MS, { signal: stopper.signal })
        .catch(() => undefined)
    }
  })()
  log.info('buyer.started', {
    belowBytes: options.policy.belowBytes.toString(),
    maxSatPerMb: options.policy.maxSatPerMb.toString(),
    cheat: options.cheat ?? 'none',
  })
  return {
    stats() {
      const s = settlement.stats()
      return {
        bids,
        tradesCompleted: s.completed,
        tradesAborted: s.aborted,
        satsPaid: s.satsPaid,
        mbBoughtBytes: s.mbBoughtBytes,
      }
    },
    check: checkOnce,
    async stop() {
      stopper.abort()
      await loop
      await stopTrading()
    },
  }
}
