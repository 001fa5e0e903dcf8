import type { Clock, Logger, Rng } from '@dolly/base'
import type { AgentConfig } from '../../config/agent-config.ts'
import type { LifecycleStore } from '../../lifecycle/adapters/state-store.ts'
import type { AgentRuntime } from '../../lifecycle/adapters/agent-runtime.ts'
import { homeEarnings } from '@dolly/ledger'
import { fileRemoteTables } from '@dolly/overlay'
import { leaseWindows } from '../../lifecycle/state.ts'
import { FEE_RESERVE_SATS } from '../effects/offers.ts'
import type { AgentOptions, AgentPorts, AgentProbe, TokenMarket } from '../ports.ts'
import type { Postman } from '../../postcard/postman.ts'
import { openFileAgentStore } from './file-store.ts'
import { createSshInstaller } from './ssh-installer.ts'
import { probeAgentStatus } from './status-probe.ts'

/** What the agent needs besides the runtime opened from its config. */
export interface RuntimePortsDeps {
  readonly rng: Rng
  readonly log: Logger
  readonly env: Readonly<Record<string, string | undefined>>
  /** Real-time clock for SSH and heartbeat waits of an install. */
  readonly realClock: Clock
  /** Whether an agent can inherit (default: its status API names its tree and it is not handing over itself). */
  readonly agentAlive?: AgentProbe
  /** The token market (the daemon's market component); absent: the agent does not sell. */
  readonly market?: TokenMarket
  /** Mails a postcard per installed child (`[postcard]`, postcard/adapters/open-postman.ts); absent: none. */
  readonly postman?: Postman
}

/** The world's time scale (world ms per real ms), 1 for an agent on the real Internet. */
function timeScaleOf(config: AgentConfig): number {
  return config.world?.timeScale.scale ?? 1
}

/** The agent's options from its config (AGENT.md §4). */
export function agentOptionsFrom(config: AgentConfig): AgentOptions {
  const timeScale = timeScaleOf(config)
  const windows = leaseWindows(config, timeScale)
  return {
    policy: {
      sweepBeforeMs: windows.sweepBeforeMs,
      stopBuyingBeforeMs: windows.stopBuyingBeforeMs,
      maxInstallAttempts: config.installMaxAttempts,
      dowryPercent: config.dowryPercent,
      maxProviderFailures: config.maxConsecutiveFailures,
      feeReserveSats: FEE_RESERVE_SATS,
    },
    leaseMs: config.leaseMs,
    btcGlobal: config.btcGlobal,
    vpnHost: config.vpnHost,
    learn: { trimF: config.qd.trimF, maxRemotes: config.qd.maxRemotes, rewardCap: config.qd.rewardCap },
    selector: config.qd.selector,
    // The strategies count in world time: one tick is the daemon's interval times the time scale.
    sell: { tickMs: config.tickIntervalMs * timeScale, orderTimeoutMs: config.orderTimeoutMs },
    // World time, as the lease windows: the shops' prices move by world days (a world running a
    // day a minute re-reads its shops every real minute, not once a real day).
    offerRefreshMs: config.offerRefreshMs,
    timeScale,
  }
}

/**
 * The agent's ports over an opened runtime (lifecycle/adapters/agent-runtime.ts): its wallet, shops
 * and clock, the file store of its home (the lifecycle tables opened here unless `lifecycle` is
 * given), the SSH installer and the HTTP heir probe. The runtime stays the caller's to close; the
 * store closes with the agent.
 */
export function portsFromRuntime(
  rt: AgentRuntime,
  deps: RuntimePortsDeps,
  extra: { readonly lifecycle?: LifecycleStore } = {},
): AgentPorts {
  return {
    clock: rt.clock,
    rng: deps.rng,
    log: deps.log,
    wallet: rt.wallet,
    walletRoot: rt.walletRoot,
    network: rt.network,
    providers: { drivers: rt.drivers, purchase: rt.purchaseDeps, vpnDrivers: rt.vpnDrivers },
    installer: createSshInstaller(
      { clock: deps.realClock, rng: deps.rng, log: deps.log, env: deps.env },
      rt.home,
    ),
    probe: deps.agentAlive ?? probeAgentStatus,
    // The daemon's overlay writes the neighbours' tables to the home every few seconds; the ledger
    // is the home's state.sqlite (learning/ports.ts).
    overlay: fileRemoteTables(rt.home),
    ledger: homeEarnings(rt.home),
    store: openFileAgentStore(rt.home, {
      log: deps.log,
      journal: rt.journal,
      accounts: rt.accounts,
      ...(extra.lifecycle === undefined ? {} : { lifecycle: extra.lifecycle }),
    }),
    checkpoint: rt.checkpoint,
    ...(deps.market === undefined ? {} : { market: deps.market }),
    ...(deps.postman === undefined ? {} : { postman: deps.postman }),
  }
}
