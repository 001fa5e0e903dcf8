/**
 * The agent's ports (DESIGN.md §4): everything `createAgent` talks to. The daemon builds them once
 * from the agent's config (agent/adapters/ports-from-runtime.ts); tests and the simulator build them
 * from memory adapters and a virtual clock.
 */
import type { Checkpoint, Clock, Logger, Rng } from '@dolly/base'
import type { ActivateDeps, PurchaseDeps, VpnDriver, VpsDriver } from '@dolly/cloudomate'
import type { HdNode, NetworkParams, Wallet } from '@dolly/wallet'
import type { LearnOptions, Earnings, RemoteTables } from '@dolly/learning'
import type { TickPolicy } from '../lifecycle/state.ts'
import type { ChildHandover } from '../replication/ports.ts'
import type { AgentStore } from './store.ts'

/** The shops the agent buys from: cloudomate drivers by provider name and what `purchase()` needs. */
export interface ProviderRegistry {
  readonly drivers: ReadonlyMap<string, VpsDriver>
  /** VPN providers by name (`vpn.host` picks one). */
  readonly vpnDrivers: ReadonlyMap<string, VpnDriver>
  /**
   * cloudomate's purchase and activation ports (its journal and accounts are the store's); their
   * `rates` (`[rates] source`) also price the catalogue.
   */
  readonly purchase: PurchaseDeps & ActivateDeps
}

/** A server the agent bought and wants a child on. */
export interface InstallTarget {
  readonly ip: string
  readonly rootPassword: string
  readonly handover: ChildHandover
  /** The child's own VPN as wg-quick text, brought up as its `own_wg.conf`; absent: no VPN. */
  readonly wireguard?: string
  /** Stops the install between steps (a later tick resumes it). */
  readonly signal?: AbortSignal
}

/** Installs a child agent on a server (SSH in production): its tree path and family index. */
export type ChildInstaller = (
  target: InstallTarget,
) => Promise<{ readonly tree: string; readonly index: number }>

/**
 * Whether the agent at `host` can take over coins: it answers with tree path `tree` and is not
 * handing over itself.
 */
export type AgentProbe = (host: string, tree: string, port?: number) => Promise<boolean>

/** Everything the agent talks to. */
export interface AgentPorts {
  /** The agent's time: the world's scaled clock in a world, else the system clock. */
  readonly clock: Clock
  readonly rng: Rng
  readonly log: Logger
  /** The unlocked wallet (the agent pays), open for the agent's life. */
  readonly wallet: Wallet
  /** The family key tree's root: children's addresses are derived from it. */
  readonly walletRoot: HdNode
  readonly network: NetworkParams
  readonly providers: ProviderRegistry
  readonly installer: ChildInstaller
  readonly probe: AgentProbe
  /** The neighbours' gossiped Q-tables (learning/ports.ts); absent: no remote tables are merged. */
  readonly overlay?: RemoteTables
  /** The MB the agent earned, from its ledger (learning/ports.ts); absent: nothing is earned (reward 0). */
  readonly ledger?: Earnings
  readonly store: AgentStore
  /** Fault injection at the tick's own steps (`KILL_POINTS`); the no-op in production. */
  readonly checkpoint: Checkpoint
}

/** What the agent's config decides. */
export interface AgentOptions {
  readonly policy: TickPolicy
  /** The lease a fresh agent assumes when its parent stated none (world ms). */
  readonly leaseMs: number
  /** The global heir address (`btc_global`), when configured. */
  readonly btcGlobal: string | undefined
  /** World ms per real ms (1 outside a world): install deadlines are real time. */
  readonly timeScale: number
  /** `vpn.host`: the VPN provider a child's VPN is bought from; undefined: children get none. */
  readonly vpnHost: string | undefined
  /** `[qd]` tunables of the learning step (defaults: trim F 1, 8 remotes, reward cap 1). */
  readonly learn?: LearnOptions
  /** `qd.selector`: how the next offer is chosen (default `qtable`, QD-learning; `dna` the legacy roulette). */
  readonly selector?: 'qtable' | 'dna'
}
