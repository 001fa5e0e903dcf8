import { createCryptoRng, loadOrCreateIdentity, type Clock, type Logger } from '@dolly/base'
import { createLedgerComponent } from '@dolly/ledger'
import { bootstrapFromMultiaddrs, createNetworkComponent } from '@dolly/overlay'
import {
  createCircuitPool,
  createSocks5Server,
  DEFAULT_PAYOUT_RULE,
  TunnelError,
  type PayoutRule,
} from '@dolly/tunnels'
import type { BuyPolicy } from '../market/buyer/buy-policy.ts'
import type { Cheat } from '../market/buyer/cheat.ts'
import type { MarketBuyerStats } from '../market/adapters/market-buyer.ts'
import { createTunnelComponent } from '../tunnels/adapters/tunnel-component.ts'
import { createTunnelLedger } from '../tunnels/adapters/tunnel-ledger.ts'
import type { TunnelsStatus } from '../tunnels/tunnel-status.ts'

/** Hop counts `plebnet proxy` serves, one SOCKS5 port each (`--port P` → P+1, P+2, P+3). */
export const PROXY_HOPS = [1, 2, 3] as const
/** Default `--port`: SOCKS5 for 1, 2 and 3 hops on 1081, 1082 and 1083. */
export const PROXY_BASE_PORT = 1080
/** Circuits the proxy keeps built per hop count. */
export const PROXY_WARM_CIRCUITS = 2
/** How often readiness is checked while waiting for circuits, ms. */
const READY_POLL_MS = 250
/** A user node's tree path in the overlay (it is no agent and has no family). */
const USER_TREE = 'user'

/** What `plebnet proxy` needs from outside. */
export interface ProxyDeps {
  readonly clock: Clock
  readonly log: Logger
}

/** Options of one proxy run. */
export interface ProxyOptions {
  /** The user's home: its own identity.key, tunnel.key and overlay snapshot. */
  readonly home: string
  /** Agents to join the overlay through, `/ip4/…/tcp/8000/p2p/<peer id>`. */
  readonly bootstrap: readonly string[]
  /** Base port: hops 1, 2, 3 listen on port+1, port+2, port+3 (loopback). */
  readonly port: number
  /** Where the user's libp2p node listens (default every IPv4 address, a free port). */
  readonly listen?: string
  /** How long to wait for a circuit of every hop count before giving up, ms. */
  readonly readyTimeoutMs: number
  /** Aborting it while starting stops what started and resolves undefined (SIGINT before ready). */
  readonly signal?: AbortSignal
  /**
   * Pays the first hop of every circuit in MB tokens on the user's own ledger (`<home>/state.sqlite`)
   * by `payoutRule` while the circuit carries bytes (default true). False is the test knob
   * `--no-pay`: a free rider whose circuits the hops cut once they carried the unpaid cap.
   */
  readonly pay?: boolean
  /** Payout rule the proxy prices its circuits by (default `fair`; agents' `[tunnels] payout_rule`). */
  readonly payoutRule?: PayoutRule
  /** Hop counts to serve, one SOCKS5 port each at port+hops (default PROXY_HOPS). */
  readonly hops?: readonly number[]
  /** Circuits kept built per hop count (default PROXY_WARM_CIRCUITS). */
  readonly warm?: number
  /**
   * Buys MB tokens with Bitcoin when the balance runs low (issue 17, the world's token buyers): the
   * wallet in `home` (`wallet.json`) on the chain of `<home>/config` (`[chain] backend` or `[world]`,
   * whose time the orders carry), bids by `policy` on the agents' matchmakers.
   */
  readonly buy?: {
    readonly policy: BuyPolicy
    readonly cheat?: Cheat
    /** Environment: the wallet passphrase (`PLEBNET_WALLET_PASSPHRASE`) and config overrides. */
    readonly env: Readonly<Record<string, string | undefined>>
  }
}

/** A running proxy. */
export interface RunningProxy {
  /** Bound SOCKS5 port per hop count. */
  readonly ports: ReadonlyMap<number, number>
  stop(): Promise<void>
  /**
   * After `stop()`: the payments block once own circuits' last payments were flushed
   * (`unsettled.ownBytes` 0 means every byte the circuits carried back was paid for).
   */
  finalPayments(): TunnelsStatus['payments']
  /** What the token buyer did (undefined without `buy`). */
  buyer(): MarketBuyerStats | undefined
}

/**
 * Starts a user's entry into the tunnel network (issue 16): its own identity in `home`, a libp2p
 * node joining the overlay through `bootstrap`, a tunnel initiator (no relay, no exit, no hop
 * advertisement) with a circuit pool kept warm, and a SOCKS5 server on loopback per hop count.
 * Resolves once a circuit of every hop count is built (undefined when `signal` aborted first);
 * rejects with TUNNEL_NO_PATH (everything started is stopped) when that does not happen within
 * `readyTimeoutMs`.
 */
export async function startProxy(deps: ProxyDeps, options: ProxyOptions): Promise<RunningProxy | undefined> {
  const { clock, log } = deps
  const hops = options.hops ?? PROXY_HOPS
  const warm = options.warm ?? PROXY_WARM_CIRCUITS
  const rng = createCryptoRng()
  const identity = await loadOrCreateIdentity(options.home, rng)
  const network = createNetworkComponent(
    { clock, rng, log, identity },
    {
      home: options.home,
      listen: [options.listen ?? '/ip4/0.0.0.0/tcp/0'],
      network: { treePath: USER_TREE, bootstrap: bootstrapFromMultiaddrs(options.bootstrap) },
    },
  )
  // The user's own ledger: it pays the first hop of each circuit through the signing protocol.
  const tunnelLedger = createTunnelLedger(
    {
      log,
      host: () => network.host(),
      ledger: { protocol: () => ledger.protocol(), ledger: () => ledger.ledger() },
    },
    { rule: options.payoutRule ?? DEFAULT_PAYOUT_RULE, pay: options.pay ?? true },
  )
  const ledger = createLedgerComponent(
    { clock, log, identity, transport: () => network.ledgerTransport() },
    { home: options.home, policy: (inner) => tunnelLedger.policy(inner) },
  )
  const tunnels = createTunnelComponent(
    { clock, rng, log, network },
    { home: options.home, relay: false, exit: false, advertise: false, payments: tunnelLedger },
  )
  const stops: (() => Promise<void>)[] = []
  /** The wallet and the buyer's market and settlement, once circuits are ready (their code loads then). */
  const startBuyer = async (buy: NonNullable<ProxyOptions['buy']>) => {
    const [{ loadAgentConfig }, { openHomeWallet }, { startMarketBuyer }, { killCheckpointFromEnv }] =
      await Promise.all([
        import('../config/adapters/load-agent-config.ts'),
        import('../lifecycle/adapters/agent-runtime.ts'),
        import('../market/adapters/market-buyer.ts'),
        import('../lifecycle/adapters/kill-checkpoint.ts'),
      ])
    const config = await loadAgentConfig(options.home, buy.env)
    // DOLLY_KILL_AT at a trade step or a wallet step SIGKILLs the proxy there; unset, the no-op.
    const checkpoint = killCheckpointFromEnv(buy.env)
    const wallet = await openHomeWallet({ log, env: buy.env, checkpoint }, options.home, config)
    stops.push(() => Promise.resolve(wallet.close()))
    const buyer = await startMarketBuyer(
      {
        clock,
        // The wallet's clock: world time in a world (the matchmakers' clock), else real time.
        marketClock: wallet.clock,
        log,
        identity,
        home: options.home,
        network,
        ledger,
        balanceBytes: () => tunnelLedger.ownBalance(),
        wallet: wallet.wallet,
        chain: wallet.chain,
        checkpoint,
      },
      { policy: buy.policy, ...(buy.cheat === undefined ? {} : { cheat: buy.cheat }) },
    )
    stops.push(() => buyer.stop())
    return buyer
  }
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined)
  }
  try {
    await network.start()
    stops.push(() => network.stop())
    await ledger.start()
    stops.push(() => ledger.stop())
    await tunnels.start()
    stops.push(() => tunnels.stop())
    const node = tunnels.node()
    if (node === undefined) throw new TunnelError('TUNNEL_STOPPED', 'the tunnel node did not start', {})
    const pool = createCircuitPool(
      { node, clock, logger: log },
      { warm: Object.fromEntries(hops.map((h) => [h, warm])) },
    )
    pool.start()
    stops.push(() => Promise.resolve(pool.stop()))
    const socks = createSocks5Server(
      { pool },
      { host: '127.0.0.1', listen: hops.map((h) => ({ hops: h, port: options.port + h })) },
    )
    const ports = await socks.start()
    stops.push(() => socks.stop())
    const deadline = clock.nowMs() + options.readyTimeoutMs
    while (!hops.every((h) => pool.ready(h) > 0)) {
      if (options.signal?.aborted === true) {
        await stopAll()
        return undefined
      }
      if (clock.nowMs() >= deadline) {
        const missing = hops.filter((h) => pool.ready(h) === 0)
        throw new TunnelError(
          'TUNNEL_NO_PATH',
          `no circuit of ${missing.join(', ')} hop(s) after ${options.readyTimeoutMs} ms; ${network.network()?.hops().length ?? 0} hop(s) known`,
          { missing, bootstrap: options.bootstrap.length },
        )
      }
      await clock
        .sleep(READY_POLL_MS, options.signal === undefined ? {} : { signal: options.signal })
        .catch(() => undefined)
    }
    const buyer = options.buy === undefined ? undefined : await startBuyer(options.buy)
    return {
      ports,
      stop: stopAll,
      finalPayments: () => tunnels.finalPayments(),
      buyer: () => buyer?.stats(),
    }
  } catch (err) {
    await stopAll()
    throw err
  }
}
