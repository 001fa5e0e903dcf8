import {
  BaseError,
  createSignatureVerifier,
  type BlockSigner,
  type Clock,
  type Logger,
  type Rng,
} from '@dolly/base'
import type { AgentNetwork, Libp2pHost } from '@dolly/overlay'
import type { TokenMarket } from '../../agent/ports.ts'
import { peerIdOfHex } from '../../tunnels/directory.ts'
import type { BookSync } from '../book-sync.ts'
import type { Matchmaker, MatchmakerOptions } from '../matchmaker.ts'
import { MIN_MATCH_SATS } from '../min-match.ts'
import type { AgentTokenMarket, AgentTokenMarketOptions, OwnMatch } from '../token-market.ts'
import type { Libp2pMarketChannel } from './libp2p-market-channel.ts'

// The market's code (@dolly/market's book and engine, the matchmaker, the adapter) is imported at
// `start()`, so a daemon with `[market] enabled = 0` never loads it; a started one holds an empty
// book until orders come (issue 15: the idle daemon's memory).

/** Ports of the market component; the overlay and its libp2p node come from the network component. */
export interface MarketComponentDeps {
  /** World time (orders' timestamps and expiries). */
  readonly clock: Clock
  /** Real time where `clock` runs faster: book sync waits at least 1 s of it between rounds. */
  readonly realClock?: Clock
  readonly rng: Rng
  readonly log: Logger
  /** The agent's identity: signs its orders. */
  readonly signer: BlockSigner
  readonly network: {
    network(): AgentNetwork | undefined
    host(): Libp2pHost | undefined
  }
  /** The agent's MB balance on its ledger, bytes; undefined while the ledger is not open (0 then). */
  readonly balanceBytes: () => bigint | undefined
}

/** Options of the market component. */
export interface MarketComponentOptions {
  /** Serves as a matchmaker for the neighbours (ALGORITHMS.md §10: every node by default). */
  readonly matchmaker?: boolean
  readonly matchmakerOptions?: MatchmakerOptions
  readonly marketOptions?: AgentTokenMarketOptions
  /** World ms between the matchmaker's book-sync rounds with a random contact (default 30 000). */
  readonly syncIntervalMs?: number
}

/** The token market as a daemon component (`DaemonComponent` of daemon/daemon.ts). */
export interface MarketComponent {
  readonly name: 'market'
  start(): Promise<void>
  stop(): Promise<void>
  /**
   * The agent's `TokenMarket`, usable before `start()` (it has no matchmakers until then, so the
   * sell step does nothing) and after `stop()` (likewise).
   */
  readonly market: TokenMarket
  /** The running adapter (bids for the buybot, `matchSettled`), once started. */
  agentMarket(): AgentTokenMarket | undefined
  /** The running matchmaker, once started with `matchmaker`. */
  matchmaker(): Matchmaker | undefined
  /** Registers a listener of our accepted matches (the settlement starts a trade from each). */
  onMatch(listener: (match: OwnMatch) => void): () => void
}

/** Contacts whose matchmakers we use, neighbours (CYCLON view) first, as libp2p peer ids. */
export function matchmakersOf(network: AgentNetwork): string[] {
  const contacts = [...network.contacts()].sort((a, b) => Number(b.inView) - Number(a.inView))
  return contacts.flatMap((c) => {
    const id = peerIdOfHex(c.id)
    return id === undefined ? [] : [id]
  })
}

/**
 * Runs the market on the overlay's libp2p node (`/dolly/market/1.0.0`): a matchmaker for the
 * neighbours (unless `matchmaker` is false) and the agent's `TokenMarket` over the neighbours'
 * matchmakers. Starts after the network and ledger components.
 */
export function createMarketComponent(
  deps: MarketComponentDeps,
  options: MarketComponentOptions = {},
): MarketComponent {
  const log = deps.log.child({ component: 'market' })
  const listeners = new Set<(match: OwnMatch) => void>()
  let running:
    | {
        readonly channel: Libp2pMarketChannel
        readonly market: AgentTokenMarket
        readonly matchmaker: Matchmaker | undefined
        readonly sync: BookSync | undefined
      }
    | undefined
  let starting: Promise<void> | undefined

  const market: TokenMarket = {
    canCancel: true,
    minOrderSats: MIN_MATCH_SATS,
    hasMatchmakers: () => running?.market.hasMatchmakers() ?? false,
    trades: () => running?.market.trades() ?? [],
    bestBidSatPerMb: () => running?.market.bestBidSatPerMb() ?? null,
    availableMbBytes: () => running?.market.availableMbBytes() ?? Promise.resolve(0n),
    placeAsk(ask) {
      const r = running
      if (r === undefined)
        return Promise.reject(new BaseError('BASE_INVALID_OPTION', 'the market is not running', {}))
      return r.market.placeAsk(ask)
    },
    cancel: (number) => running?.market.cancel(number) ?? Promise.resolve(),
    fillOf: (number) => running?.market.fillOf(number) ?? null,
  }

  return {
    name: 'market',
    market,
    agentMarket: () => running?.market,
    matchmaker: () => running?.matchmaker,
    onMatch(listener) {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },
    async start() {
      if (running !== undefined) return
      starting ??= (async () => {
        const host = deps.network.host()
        const network = deps.network.network()
        if (host === undefined || network === undefined)
          throw new BaseError(
            'BASE_INVALID_OPTION',
            'the market component starts after the network component',
            {},
          )
        const [{ createMatchmaker }, { createAgentTokenMarket }, ch, { serveMarket }, { startBookSync }] =
          await Promise.all([
            import('../matchmaker.ts'),
            import('../token-market.ts'),
            import('./libp2p-market-channel.ts'),
            import('../channel.ts'),
            import('../book-sync.ts'),
          ])
        const channel = ch.createLibp2pMarketChannel({ host, log: deps.log })
        const matchmaker =
          options.matchmaker === false
            ? undefined
            : createMatchmaker(
                {
                  clock: deps.clock,
                  rng: deps.rng,
                  log: deps.log,
                  verifier: createSignatureVerifier(),
                  channel,
                  addressOf: peerIdOfHex,
                },
                options.matchmakerOptions,
              )
        const agentMarket = createAgentTokenMarket(
          {
            clock: deps.clock,
            log: deps.log,
            signer: deps.signer,
            channel,
            matchmakers: () => matchmakersOf(network),
            balanceBytes: () => Promise.resolve(deps.balanceBytes() ?? 0n),
            onMatch: (m) => {
              for (const l of listeners) l(m)
            },
          },
          options.marketOptions,
        )
        serveMarket(channel, {
          ...(matchmaker === undefined ? {} : { matchmaker: (from, r) => matchmaker.handle(from, r) }),
          trader: (from, r) => agentMarket.handleMatch(from, r),
        })
        await channel.start()
        const sync =
          matchmaker === undefined
            ? undefined
            : startBookSync(
                {
                  clock: deps.clock,
                  ...(deps.realClock === undefined ? {} : { realClock: deps.realClock }),
                  rng: deps.rng,
                  log: deps.log,
                  matchmaker,
                  peers: () => matchmakersOf(network).filter((a) => a !== channel.address),
                },
                options.syncIntervalMs === undefined ? {} : { intervalMs: options.syncIntervalMs },
              )
        running = { channel, market: agentMarket, matchmaker, sync }
        log.info('market.started', { address: channel.address, matchmaker: matchmaker !== undefined })
      })()
      try {
        await starting
      } finally {
        starting = undefined
      }
    },
    async stop() {
      if (starting !== undefined) await starting.catch(() => undefined)
      const r = running
      if (r === undefined) return
      running = undefined
      await r.sync?.stop()
      await r.channel.stop()
      await r.matchmaker?.settled()
      log.info('market.stopped', {})
    },
  }
}
