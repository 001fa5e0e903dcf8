import { createCryptoRng, loadOrCreateIdentity, type Clock, type Logger } from '@dolly/base'
import { createLedgerComponent } from '@dolly/ledger'
import { bootstrapFromMultiaddrs, createNetworkComponent } from '@dolly/overlay'
import { loadAgentConfig } from '../config/adapters/load-agent-config.ts'
import { openHomeWallet } from '../lifecycle/adapters/agent-runtime.ts'
import { startBuybot, type Buybot, type BuybotOptions } from '../market/adapters/buybot.ts'

/** The buybot's tree path in the overlay (an operator's node, no agent). */
const BUYBOT_TREE = 'buybot'

/** Options of one `plebnet buybot` run. */
export interface BuybotRunOptions extends BuybotOptions {
  /** Its home: identity, ledger, the wallet it pays from and the config naming the chain. */
  readonly home: string
  /** Agents to join the overlay through, `/ip4/…/tcp/8000/p2p/<peer id>`. */
  readonly bootstrap: readonly string[]
  readonly env: Readonly<Record<string, string | undefined>>
}

/** A running buybot and everything under it. */
export interface RunningBuybot {
  readonly buybot: Buybot
  stop(): Promise<void>
}

/**
 * Starts the buybot's node: its identity and ledger in `home`, a libp2p node joining the overlay
 * through `bootstrap`, the wallet of `home` on the chain of its config (world time from `[world]`),
 * and the buybot over them (market without matchmaker, settlement, the mirroring loop).
 */
export async function runBuybot(
  deps: { clock: Clock; log: Logger },
  options: BuybotRunOptions,
): Promise<RunningBuybot> {
  const { clock, log } = deps
  const rng = createCryptoRng()
  const identity = await loadOrCreateIdentity(options.home, rng)
  const config = await loadAgentConfig(options.home, options.env)
  const network = createNetworkComponent(
    { clock, rng, log, identity },
    {
      home: options.home,
      listen: ['/ip4/0.0.0.0/tcp/0'],
      network: { treePath: BUYBOT_TREE, bootstrap: bootstrapFromMultiaddrs(options.bootstrap) },
    },
  )
  const ledger = createLedgerComponent(
    { clock, log, identity, transport: () => network.ledgerTransport() },
    { home: options.home },
  )
  const stops: (() => Promise<void>)[] = []
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined)
  }
  try {
    const wallet = await openHomeWallet({ log, env: options.env }, options.home, config)
    stops.push(() => Promise.resolve(wallet.close()))
    await network.start()
    stops.push(() => network.stop())
    await ledger.start()
    stops.push(() => ledger.stop())
    const buybot = await startBuybot(
      {
        clock,
        // The wallet's clock: world time in a world (the matchmakers' clock), else real time.
        marketClock: wallet.clock,
        log,
        identity,
        home: options.home,
        network,
        ledger,
        balanceBytes: () => ledger.ledger()?.balance().bytes,
        wallet: wallet.wallet,
        chain: wallet.chain,
      },
      options,
    )
    stops.push(() => buybot.stop())
    return { buybot, stop: stopAll }
  } catch (err) {
    await stopAll()
    throw err
  }
}
