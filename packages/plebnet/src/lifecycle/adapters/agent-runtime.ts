import { readFile } from 'node:fs/promises'
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
  WORLD_SHOPS,
  createFetchSend,
  createFileAccountStore,
  createFileJournalStore,
  createFixedRateSource,
  createHttpSession,
  createWhmcsDriver,
  paymentWalletFrom,
  type AccountStore,
  type JournalStore,
  type VpnDriver,
  type VpsDriver,
} from '@dolly/cloudomate'
import {
  connectChainBackend,
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
import { readAgentConfig, type AgentConfig } from '../../config/agent-config.ts'
import { CONFIG_FILE } from '../../daemon/adapters/agent-home.ts'
import { LifecycleError } from '../errors.ts'
import { worldVpnDrivers } from './vpn-drivers.ts'

/** The world's fixed exchange rate, sats per US dollar (world providers' constants: 1 BTC = 100,000 USD). */
export const WORLD_SATS_PER_USD = 1_000n
/** Chain backend request timeout (ms, real time). */
const BACKEND_TIMEOUT_MS = 30_000

/** Everything one tick talks to, opened for the agent in `home`; `close` releases it. */
export interface AgentRuntime {
  readonly home: string
  readonly config: AgentConfig
  /** World time when the agent lives in a world, else the system clock. */
  readonly clock: Clock
  readonly wallet: Wallet
  readonly walletRoot: HdNode
  readonly network: NetworkParams
  readonly drivers: ReadonlyMap<string, VpsDriver>
  /** VPN providers by name (`vpn.host` picks one): a world's VPN provider, listed in `[world] providers`. */
  readonly vpnDrivers: ReadonlyMap<string, VpnDriver>
  readonly journal: JournalStore
  readonly accounts: AccountStore
  readonly purchaseDeps: {
    readonly wallet: ReturnType<typeof paymentWalletFrom>
    readonly journal: JournalStore
    readonly accounts: AccountStore
    readonly rates: ReturnType<typeof createFixedRateSource>
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

/** Reads the agent's config (defaults, file, environment). */
export async function loadAgentConfig(
  home: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<AgentConfig> {
  const text = await readFile(join(home, CONFIG_FILE), 'utf8').catch(() => '')
  return readAgentConfig(text, env)
}

/**
 * Opens the wallet (unlocked: the tick pays), the chain backend and the cloudomate drivers of the
 * agent in `home`. Only a world agent can buy today: real providers need the VPN and market issues.
 *
 * @throws LifecycleError LIFECYCLE_NOT_SET_UP without a wallet or without a `[world]` section
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
  const world = config.world
  if (world === undefined) {
    throw new LifecycleError(
      'LIFECYCLE_NOT_SET_UP',
      `no [world] section in ${join(home, CONFIG_FILE)}: this agent knows no chain and no shops to buy from`,
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
    world.chainBackend,
    { clock: createSystemClock() },
    { timeoutMs: BACKEND_TIMEOUT_MS },
  )
  const store = openSqliteWalletStore(join(home, 'wallet.sqlite'))
  const wallet = createWallet(
    { chain: connection.chain, store, clock, logger: deps.log, checkpoint },
    // World prices are a few thousand sats, so a regtest fee is a large share of them.
    { network: params, account: deriveAccount(unlocked.root, params), maxFeePercent: 100n },
  )
  const drivers = new Map<string, VpsDriver>()
  for (const shop of world.shops) {
    const shopConfig = WORLD_SHOPS.find((s) => s.name === shop.name)
    if (shopConfig !== undefined)
      drivers.set(shop.name, createWhmcsDriver({ ...shopConfig, baseUrl: shop.url }))
  }
  const journal = createFileJournalStore(join(home, 'purchase_journal.jsonl'), deps.log)
  const accounts = createFileAccountStore(join(home, 'purchases'))
  const send = createFetchSend()
  const newSession = () => createHttpSession({ send, clock, rng: deps.rng })
  return {
    home,
    config,
    clock,
    wallet,
    walletRoot: unlocked.root,
    network: params,
    drivers,
    vpnDrivers: worldVpnDrivers(world.shops),
    journal,
    accounts,
    purchaseDeps: {
      wallet: paymentWalletFrom(wallet),
      journal,
      accounts,
      rates: createFixedRateSource(clock, { USD: WORLD_SATS_PER_USD }),
      clock,
      rng: deps.rng,
      log: deps.log,
      newSession,
      network: params,
      checkpoint,
    },
    checkpoint,
    close() {
      store.close()
      connection.close()
    },
  }
}
