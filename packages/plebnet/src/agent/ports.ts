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
import type { Trade } from '../strategies/types.ts'
import type { ChildHandover } from '../replication/ports.ts'
import type { AgentStore } from './store.ts'
import type { Postman } from '../postcard/postman.ts'

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

/** An ask for the market: sell `mbBytes` MB token bytes for `sats`, for `timeoutS` seconds. */
export interface AskRequest {
  /** Our order number: the market places an order under a number at most once. */
  readonly number: number
  readonly mbBytes: bigint
  readonly sats: bigint
  readonly timeoutS: number
}

/**
 * The token market as the agent's sell step sees it (issue 17, AGENT.md §3.3 step 9): the price
 * history the strategies read, the MB this agent may sell, and its own asks.
 */
export interface TokenMarket {
  /** Whether the market has matchmakers to place orders with; the step does nothing without. */
  hasMatchmakers(): boolean
  /** Trades of MB for BTC the market has seen, any order (bounded by the market). */
  trades(): readonly Trade[]
  /** The highest open bid for MB, sat/MB; null when there is none. */
  bestBidSatPerMb(): number | null
  /** MB token bytes this agent may offer now: its ledger balance less what its open asks hold. */
  availableMbBytes(): Promise<bigint>
  /** Places an ask; placing one again under the same number does nothing (a kill between the two). */
  placeAsk(ask: AskRequest): Promise<void>
  /** Cancels an own ask (a no-op when it is gone). */
  cancel(number: number): Promise<void>
  /** How much of an own ask traded, 0..1; null when the market does not know it. */
  fillOf(number: number): number | null
  /** Whether open asks can be cancelled. */
  readonly canCancel: boolean
  /** The smallest ask, sats, the market matches (0: no minimum); strategies never ask for less. */
  readonly minOrderSats: bigint
}

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
  /** The token market the sell strategies trade on; absent: the agent does not sell (status says so). */
  readonly market?: TokenMarket
  readonly store: AgentStore
  /**
   * Mails the operator a postcard per installed child (AGENT.md §14, `[postcard]`); absent: none.
   * Runs beside the tick, never in its way.
   */
  readonly postman?: Postman
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
  /** `[strategy]` settings of the sell step (defaults: 3600 s order timeout, no price floor, 30-day SMA window). */
  readonly sell?: SellOptions
  /** `qd.selector`: how the next offer is chosen (default `qtable`, QD-learning; `dna` the legacy roulette). */
  readonly selector?: 'qtable' | 'dna'
  /**
   * `daemon.offer_refresh` in world ms: the shops' plans are read again once they are this old
   * (AGENT.md §3.2); a purchase always reads its own shop afresh. Default 0: every tick reads every shop.
   */
  readonly offerRefreshMs?: number
}

/** `[strategy]` settings of the sell step (AGENT.md §4). */
export interface SellOptions {
  /** `strategy.order_timeout`: an offer is refreshed when older than this, ms (default 3,600,000). */
  readonly orderTimeoutMs?: number
  /** Never ask less than this many sat per MB (default 0: no floor). */
  readonly floorSatPerMb?: number
  /** The tick interval Δ, ms: the SMA strategies' order lasts one tick (default 300,000). */
  readonly tickMs?: number
}
