import { join } from 'node:path'
import {
  createScaledClock,
  createSystemClock,
  noCheckpoint,
  type Checkpoint,
  type Clock,
  type Logger,
  type Rng,
} from '@dolly/base'
import {
  createFetchSend,
  createFileAccountStore,
  createFileJournalStore,
  createFixedRateSource,
  createHttpSession,
  createMempoolRateSource,
  createVpsRegistry,
  paymentWalletFrom,
  type AccountStore,
  type JournalStore,
  type RateSource,
  type VpnDriver,
  type VpsDriver,
} from '@dolly/cloudomate'
import {
  connectChainBackend,
  type ChainBackend,
  createWallet,
  deriveAccount,
  keystoreAccount,
  openSqliteWalletStore,
  readKeystoreFile,
  resolvePassphrase,
  unlockKeystore,
  type HdNode,
  type NetworkParams,
  type Wallet,
} from '@dolly/wallet'
import { loadAgentConfig } from '../../config/adapters/load-agent-config.ts'
import type { AgentConfig, RatesConfig } from '../../config/agent-config.ts'
import { WORLD_SATS_PER_USD } from '../../config/defaults.ts'
import { CONFIG_FILE } from '../../daemon/adapters/agent-home.ts'
import { LifecycleError } from '../errors.ts'
import { vpnDriversOf } from './vpn-drivers.ts'

export { WORLD_SATS_PER_USD }
/** Chain backend request timeout (ms, real time). */
const BACKEND_TIMEOUT_MS = 30_000
/** Price API request timeout (ms, real time). */
const RATES_TIMEOUT_MS = 15_000

/** Everything one tick talks to, opened for the agent in `home`; `close` releases it. */
export interface AgentRuntime {
  readonly home: string
  readonly config: AgentConfig
  /** World time when the agent lives in a world, else the system clock. */
  readonly clock: Clock
  readonly wallet: Wallet
  /** The wallet's chain backend (the market's settlement reads incoming payments from it). */
  readonly chain: ChainBackend
  readonly walletRoot: HdNode
  readonly network: NetworkParams
  /** The VPS drivers of the providers the config names (cloudomate's registry), by registry name. */
  readonly drivers: ReadonlyMap<string, VpsDriver>
  /** BTC/USD rate the catalogue prices offers with and purchases pay by (`[rates] source`). */
  readonly rates: RateSource
  /** VPN providers by name (`vpn.host` picks one): a world's VPN provider, listed in `[world] providers`. */
  readonly vpnDrivers: ReadonlyMap<string, VpnDriver>
  readonly journal: JournalStore
  readonly accounts: AccountStore
  readonly purchaseDeps: {
    readonly wallet: ReturnType<typeof paymentWalletFrom>
    readonly journal: JournalStore
    readonly accounts: AccountStore
    readonly rates: RateSource
    readonly clock: Clock
    readonly rng: Rng
    readonly log: Logger
    readonly newSession: () => ReturnType<typeof createHttpSession>
    readonly network: NetworkParams
    readonly checkpoint: Checkpoint
  }
  /** Fault injection (the tick's own steps); the no-op in production. */
  readonly checkpoint: Checkpoint
  close(): void
}

/** The agent's clock: the world's scaled clock when its config has a `[world]` section. */
export function agentClock(config: AgentConfig): Clock {
  return config.world === undefined ? createSystemClock() : createScaledClock(config.world.timeScale)
}

/** The rate source `[rates] source` names (a fixed rate observed "now" on `clock`). */
export function rateSourceOf(config: RatesConfig, clock: Clock): RateSource {
  return config.kind === 'fixed'
    ? createFixedRateSource(clock, { USD: config.satsPerUsd })
    : createMempoolRateSource({
        ...(config.url === undefined ? {} : { url: config.url }),
        timeoutMs: RATES_TIMEOUT_MS,
      })
}

/**
 * The VPS drivers of `config.providers`, built by cloudomate's registry from their sections exactly
 * as the `cloudomate` CLI builds them from `cloudomate.cfg` (a world's shops arrive as `url`s too).
 */
export function vpsDriversOf(config: Pick<AgentConfig, 'providers'>): Map<string, VpsDriver> {
  const ini = new Map(config.providers.map((p) => [p.name, new Map(p.settings)]))
  const drivers = new Map<string, VpsDriver>()
  for (const entry of createVpsRegistry(ini)) {
    if (ini.has(entry.name) && entry.driver !== undefined) drivers.set(entry.name, entry.driver)
  }
  return drivers
}

export { loadAgentConfig }

/** The unlocked wallet of a home and its chain connection (see {@link openHomeWallet}). */
export interface HomeWallet {
  readonly wallet: Wallet
  readonly chain: ChainBackend
  /** World time in a world, else real time (the wallet's payment records carry it). */
  readonly clock: Clock
  readonly params: NetworkParams
  readonly root: HdNode
  /** Closes the wallet's SQLite store and the chain connection. */
  close(): void
}

/**
 * Opens the unlocked wallet of `home` (`wallet.json`, passphrase from the environment or the config)
 * on the chain backend its config names (`[chain] backend` or `[world]`): the agent's, and a world
 * user's that buys tokens (`plebnet proxy --buy-below`).
 *
 * @throws LifecycleError LIFECYCLE_NOT_SET_UP without a wallet or without a chain backend
 */
export async function openHomeWallet(
  deps: {
    readonly log: Logger
    readonly env: Readonly<Record<string, string | undefined>>
    readonly checkpoint?: Checkpoint
  },
  home: string,
  config: AgentConfig,
): Promise<HomeWallet> {
  const chainBackend = config.chainBackend
  if (chainBackend === undefined) {
    throw new LifecycleError(
      'LIFECYCLE_NOT_SET_UP',
      `no [chain] backend (and no [world] section) in ${join(home, CONFIG_FILE)}: this agent knows no chain to pay on`,
      { home },
    )
  }
  const document = await readKeystoreFile(join(home, 'wallet.json')).catch((err: unknown) => {
    throw new LifecycleError(
      'LIFECYCLE_NOT_SET_UP',
      `no wallet in ${home}: run plebnet setup`,
      { home },
      { cause: err },
    )
  })
  const { params } = keystoreAccount(document)
  const unlocked = await unlockKeystore(
    document,
    await resolvePassphrase({ env: deps.env, configPath: join(home, CONFIG_FILE) }),
  )
  const clock = agentClock(config)
  const connection = connectChainBackend(
    chainBackend,
    { clock: createSystemClock() },
    { timeoutMs: BACKEND_TIMEOUT_MS },
  )
  const store = openSqliteWalletStore(join(home, 'wallet.sqlite'))
  const wallet = createWallet(
    { chain: connection.chain, store, clock, logger: deps.log, checkpoint: deps.checkpoint ?? noCheckpoint },
    // World prices are a few thousand sats, so a regtest fee is a large share of them.
    { network: params, account: deriveAccount(unlocked.root, params), maxFeePercent: 100n },
  )
  return {
    wallet,
    chain: connection.chain,
    clock,
    params,
    root: unlocked.root,
    close() {
      store.close()
      connection.close()
    },
  }
}

/**
 * Opens the wallet (unlocked: the tick pays), the chain backend, the rate source and the cloudomate
 * drivers of the agent in `home`, all from its config: `[chain] backend`, `[rates] source` and one
 * section per provider (real mode), or the same filled in by a `[world]` section. One code path for
 * both: a world agent is a real-mode agent whose URLs point into the world.
 *
 * @throws LifecycleError LIFECYCLE_NOT_SET_UP without a wallet or without a chain backend
 *   (`[chain] backend` or `[world]`); LIFECYCLE_CONFIG_INVALID for a bad config value
 */
export async function openAgentRuntime(
  deps: {
    readonly rng: Rng
    readonly log: Logger
    readonly env: Readonly<Record<string, string | undefined>>
    readonly checkpoint?: Checkpoint
  },
  home: string,
): Promise<AgentRuntime> {
  const checkpoint = deps.checkpoint ?? noCheckpoint
  const config = await loadAgentConfig(home, deps.env)
  const opened = await openHomeWallet({ log: deps.log, env: deps.env, checkpoint }, home, config)
  const { wallet, clock, params } = opened
  const drivers = vpsDriversOf(config)
  const rates = rateSourceOf(config.rates, clock)
  const journal = createFileJournalStore(join(home, 'purchase_journal.jsonl'), deps.log)
  const accounts = createFileAccountStore(join(home, 'purchases'))
  const send = createFetchSend()
  const newSession = () => createHttpSession({ send, clock, rng: deps.rng })
  return {
    home,
    config,
    clock,
    wallet,
    chain: opened.chain,
    walletRoot: opened.root,
    network: params,
    drivers,
    rates,
    vpnDrivers: vpnDriversOf(config),
    journal,
    accounts,
    purchaseDeps: {
      wallet: paymentWalletFrom(wallet),
      journal,
      accounts,
      rates,
      clock,
      rng: deps.rng,
      log: deps.log,
      newSession,
      network: params,
      checkpoint,
    },
    checkpoint,
    close: () => opened.close(),
  }
}
