/**
 * The agent's lifecycle state (AGENT.md §5.1): bought servers and where each stands, provider
 * exclusions, the heir flag and recent events; plus what the tick core takes and returns. Types and
 * small pure helpers only.
 */

/** Where one bought server stands. */
export type ItemStage = 'buying' | 'bought' | 'installing' | 'installed' | 'dowered' | 'failed'

/** One server the agent bought (or is buying) for a child (AGENT.md §5.1 `bought`/`installing`/`installed`). */
export interface PurchaseItem {
  /** Stable id: `p<n>` in order of intent. */
  readonly id: string
  readonly provider: string
  readonly option: string
  readonly priceSats: bigint
  readonly stage: ItemStage
  /** cloudomate's purchase id once paid. */
  readonly purchaseId: string | null
  readonly txid: string | null
  readonly ip: string | null
  /** World ms the server's lease ends as the provider states it (its next due date); null until known. */
  readonly leaseEndMs: number | null
  /** The child's tree path once installed. */
  readonly childTree: string | null
  /** Index of the child in the family key tree (the dowry goes to its wallet). */
  readonly childIndex: number | null
  readonly attempts: number
  /** World ms before which the item is not tried again (per-item backoff, §3.5 step 1). */
  readonly nextTryMs: number
  readonly sinceMs: number
  /**
   * The VPN bought for the child with this server (AGENT.md §3.4 step 9, §9: `vpn_bought`); absent
   * when none is wanted (no `vpn.host`, or a provider without TUN/TAP) and in states written before.
   */
  readonly vpn?: VpnPurchase
}

/**
 * Where a child's VPN stands: `planned` with the server's purchase, `buying` once its purchase is
 * journaled (after the server is paid), `paid`, `ready` once its tunnel configuration is known (it
 * goes to the child at the install), or `failed` (the child is installed without it, AGENT.md §3.3
 * step 3: logged, and the install continues).
 */
export type VpnStage = 'planned' | 'buying' | 'paid' | 'ready' | 'failed'

/** A VPN priced with an offer: the first option of `vpn.host` (AGENT.md §3.4 step 3). */
export interface PricedVpn {
  readonly provider: string
  readonly option: string
  /** Price plus gateway and network fee, integer sats. */
  readonly priceSats: bigint
}

/** The VPN of one purchase item (AGENT.md §5.1 `vpn_bought`: `[vpn.host, option, txid, child_index]`). */
export interface VpnPurchase extends PricedVpn {
  readonly stage: VpnStage
  /** cloudomate's purchase id once paid. */
  readonly purchaseId: string | null
  readonly txid: string | null
  /** World ms its purchase was journaled (a payment cloudomate journaled from then on is this one's). */
  readonly sinceMs: number
  /** Activation polls made while it was `paid`. */
  readonly polls: number
  /** Why it failed (the status shows it). */
  readonly error: string | null
}

/**
 * A paid VPN that is still not active after this many polls and {@link VPN_MAX_WAIT_MS} since its
 * purchase is given up, and the child is installed without it. Both: a world at a high time scale
 * passes a world day in seconds, while a tick may poll several times in one run.
 */
export const VPN_MAX_POLLS = 10
/** World ms a paid VPN may take to activate (a day: payments confirm within hours). */
export const VPN_MAX_WAIT_MS = 86_400_000
/** World ms between tries of a VPN waiting for the server payment's change to be mined. */
export const VPN_FUNDS_RETRY_MS = 60_000
/**
 * World ms a dowry the wallet would not send (its fee above the fee-share limit: the parent's coins
 * sit in many small trade payments) waits before it is tried again; the tick goes on meanwhile.
 */
export const DOWRY_RETRY_MS = 3_600_000
/** The error event of a child installed without its VPN (AGENT.md §3.3 step 3). */
export const VPN_MISSING_TEXT = '!!! VPN is not installed, child may get banned !!!'

/** One line of the agent's recent history, shown by the status API. */
export interface LifeEvent {
  readonly atMs: number
  readonly kind: string
  readonly text: string
}

/** The agent's lifecycle state (AGENT.md §5.1, in `state.sqlite`). */
export interface LifecycleState {
  readonly version: 1
  readonly birthMs: number
  readonly expirationMs: number
  readonly items: readonly PurchaseItem[]
  readonly excludedProviders: readonly string[]
  readonly providerFailures: Readonly<Record<string, number>>
  /** Set once the hand-over is done: the remaining coins went to the heir, or were too few to send (§3.6). The agent buys nothing after. */
  readonly heirPaid: boolean
  /** Heir payments made; coins that arrive after the first (a child's own hand-over) are sent on too. */
  readonly heirSweeps: number
  /** After a hand-over, pay the heir again only when more than this is spendable (sats). */
  readonly handOverFloorSats: bigint
  readonly events: readonly LifeEvent[]
}

/** An offer the shell priced this tick (offer + fee, integer sats), with the VPN to buy after it when one is wanted. */
export interface PricedOffer {
  readonly provider: string
  readonly option: string
  readonly priceSats: bigint
  /** Set only when `vpn.host` is set and the offer's provider supports TUN/TAP (AGENT.md §3.4 step 3). */
  readonly vpn?: PricedVpn
}

/** Tunables of the core, from the config. */
export interface TickPolicy {
  /** Sweep to the heir when the lease has less than this left (`lease.sweep_before`, ms). */
  readonly sweepBeforeMs: number
  /** Stop buying when the lease has less than this left (`lease.liquidate_before`, ms). */
  readonly stopBuyingBeforeMs: number
  /** Give up installing after this many attempts (`install.max_attempts`). */
  readonly maxInstallAttempts: number
  /** Percent of the spendable balance given to a newly installed child. */
  readonly dowryPercent: bigint
  /** Consecutive failures before a provider is excluded (`purchase.max_consecutive_failures`). */
  readonly maxProviderFailures: number
  /** Coins kept back for fees when paying (sats). */
  readonly feeReserveSats: bigint
}

/** What the shell observed this tick. */
export interface TickInputs {
  readonly nowMs: number
  readonly spendableSats: bigint
  /** The offer the core should buy next (chosen by the learning shell), or undefined when none fits. */
  readonly chosen: PricedOffer | undefined
  /** Whether somewhere to send the remaining coins is known (a child, the parent or `btc_global`). */
  readonly hasHeir: boolean
  /**
   * The smallest payment the chain relays to a child's address (its dust limit), sats; 0 or absent:
   * no limit. A dowry below it waits for more coins instead of failing every tick.
   */
  readonly minPaymentSats?: bigint
}

/** The one effect the shell runs this step. */
export type TickEffect =
  | { readonly kind: 'buy'; readonly itemId: string }
  | { readonly kind: 'check-active'; readonly itemId: string }
  /** Buys (or resumes buying) the VPN of a paid server, with the same child account (§3.4 step 9). */
  | { readonly kind: 'buy-vpn'; readonly itemId: string }
  /** Polls a paid VPN until its tunnel configuration is known. */
  | { readonly kind: 'check-vpn'; readonly itemId: string }
  | { readonly kind: 'install'; readonly itemId: string }
  | { readonly kind: 'dowry'; readonly itemId: string; readonly amountSats: bigint }
  /** Everything spendable goes, the fee taken from it (`amountSats` is what the wallet held when decided). */
  | { readonly kind: 'pay-heir'; readonly amountSats: bigint; readonly sweep: number }
  | { readonly kind: 'idle'; readonly reason: IdleReason }

/** Why the tick has nothing to do (status shows it). */
export type IdleReason = 'NO_OFFER' | 'FUNDS_LOW' | 'WAITING' | 'LEASE_ENDING' | 'DONE'

/** The result of running an effect, fed back to {@link applyOutcome}. */
export type EffectOutcome =
  | { readonly kind: 'bought'; readonly itemId: string; readonly purchaseId: string; readonly txid: string }
  | { readonly kind: 'buy-failed'; readonly itemId: string; readonly reason: string }
  | { readonly kind: 'pending'; readonly itemId: string; readonly status: string }
  | {
      readonly kind: 'active'
      readonly itemId: string
      readonly ip: string
      /** The lease end the provider states, when it does. */
      readonly leaseEndMs?: number
    }
  | { readonly kind: 'service-failed'; readonly itemId: string; readonly status: string }
  | {
      readonly kind: 'installed'
      readonly itemId: string
      readonly childTree: string
      readonly childIndex: number
    }
  | { readonly kind: 'install-failed'; readonly itemId: string; readonly reason: string }
  | { readonly kind: 'dowry-paid'; readonly itemId: string; readonly txid: string }
  /**
   * The wallet would not send the dowry now (`WALLET_FEE_TOO_HIGH` or `WALLET_INSUFFICIENT_FUNDS`:
   * spending the parent's many small coins costs more than the dowry, or than the fee reserve it
   * leaves): tried again after {@link DOWRY_RETRY_MS}, the tick goes on.
   */
  | { readonly kind: 'dowry-deferred'; readonly itemId: string; readonly reason: string }
  | {
      readonly kind: 'vpn-bought'
      readonly itemId: string
      readonly purchaseId: string
      readonly txid: string
    }
  | { readonly kind: 'vpn-pending'; readonly itemId: string; readonly status: string }
  /**
   * The VPN is not paid yet: the server's payment holds the wallet's coins until its change is
   * mined (`heldSats` would pay it then). Tried again shortly, within {@link VPN_MAX_WAIT_MS}.
   */
  | {
      readonly kind: 'vpn-unfunded'
      readonly itemId: string
      readonly spendableSats: bigint
      readonly heldSats: bigint
    }
  /** The tunnel configuration is stored with the VPN's purchase; the install hands it to the child. */
  | { readonly kind: 'vpn-ready'; readonly itemId: string }
  /** Buying or activating the VPN failed: the child is installed without it. */
  | { readonly kind: 'vpn-failed'; readonly itemId: string; readonly reason: string }
  /** `heir` names who got the coins (a child's tree, `parent <tree>`, `btc_global`), when known. */
  | { readonly kind: 'heir-paid'; readonly txid: string; readonly heir?: string }
  /** Nothing worth sending: the coins left would not pay the fee above the dust limit (`heldSats`). */
  | { readonly kind: 'heir-skipped'; readonly reason: string; readonly heldSats: bigint }

/** A decision: the state to journal before running `effect`. */
export interface TickStep {
  readonly state: LifecycleState
  readonly effect: TickEffect
}

/**
 * Real ms the last steps of a life need whatever the world's time scale: a few ticks (each at least
 * a second apart) and one payment. At a high time scale an hour of world time is a second of real
 * time, too short to be sure one tick falls in it.
 */
export const SWEEP_MARGIN_REAL_MS = 20_000
/**
 * Real ms from paying for a server to a child running on it: invoice, confirmations, activation
 * polls and the install over SSH (about a minute on the world's hosts). A purchase started later
 * than this before the sweep would still be installing when the coins must go to the heir.
 */
export const HANDOVER_REAL_MS = 90_000

/** The effective end-of-lease windows (world ms before the lease end). */
export interface LeaseWindows {
  readonly sweepBeforeMs: number
  readonly stopBuyingBeforeMs: number
}

/**
 * The end-of-lease windows at world time scale `timeScale` (world ms per real ms; 1 outside a
 * world): the configured `lease.sweep_before` and `lease.liquidate_before` (AGENT.md §3.6), widened
 * so they hold {@link SWEEP_MARGIN_REAL_MS} and {@link HANDOVER_REAL_MS} of real time. At scale 1 the
 * configured values are far larger and are used as they are.
 */
export function leaseWindows(
  config: { readonly sweepBeforeMs: number; readonly liquidateBeforeMs: number },
  timeScale: number,
): LeaseWindows {
  const sweepBeforeMs = Math.max(config.sweepBeforeMs, Math.round(SWEEP_MARGIN_REAL_MS * timeScale))
  const stopBuyingBeforeMs = Math.max(
    config.liquidateBeforeMs,
    sweepBeforeMs + Math.round(HANDOVER_REAL_MS * timeScale),
  )
  return { sweepBeforeMs, stopBuyingBeforeMs }
}

/** Activation polls back off from 1 world minute, doubling to at most 2 world hours (§3.5 step 1). */
export const BACKOFF_MIN_MS = 60_000
/** The cap of the per-item backoff (AGENT.md §3.5: 2 h). */
export const BACKOFF_MAX_MS = 7_200_000
/** Events kept in the state (the status API shows them). */
export const MAX_EVENTS = 50

/**
 * A fresh agent born at `nowMs` with a lease of `leaseMs`, or with the lease end its provider
 * stated (`leaseEndMs`, handed over by the parent) when known: a lease starts when the server does,
 * before the agent on it is installed.
 */
export function initialLifecycle(nowMs: number, leaseMs: number, leaseEndMs?: number): LifecycleState {
  return {
    version: 1,
    birthMs: nowMs,
    expirationMs: leaseEndMs ?? nowMs + leaseMs,
    items: [],
    excludedProviders: [],
    providerFailures: {},
    heirPaid: false,
    heirSweeps: 0,
    handOverFloorSats: 0n,
    events: [],
  }
}

/** The state with one more event (the oldest beyond {@link MAX_EVENTS} dropped). */
export function withEvent(state: LifecycleState, atMs: number, kind: string, text: string): LifecycleState {
  return { ...state, events: [...state.events, { atMs, kind, text }].slice(-MAX_EVENTS) }
}

/** The state with `item` replacing the item of the same id. */
export function replaceItem(state: LifecycleState, item: PurchaseItem): LifecycleState {
  return { ...state, items: state.items.map((i) => (i.id === item.id ? item : i)) }
}

/** Children the agent installed, newest last (the heir is the newest living one). */
export function childrenOf(state: LifecycleState): readonly PurchaseItem[] {
  return state.items.filter((i) => i.childTree !== null)
}
