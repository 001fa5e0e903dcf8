/**
 * When a Bitcoin payment counts, and whom we trade with (README "Trust and confirmations"). Pure
 * rules plus one composition of two smaller ports into the engine's {@link TrustPolicy}.
 */
import type { TrustPolicy, TrustVerdict } from './ports.ts'

/** When an incoming Bitcoin payment counts. */
export interface ConfirmationPolicy {
  /** Sats of one trade that may count unconfirmed (0-conf), summed over its payments. */
  readonly zeroConfSats: bigint
  /** Confirmations a payment needs once the 0-conf allowance is used up. */
  readonly confirmations: number
}

/** The world: 0-conf up to 100 000 sats a trade, one confirmation beyond (README). */
export const WORLD_CONFIRMATIONS: ConfirmationPolicy = Object.freeze({
  zeroConfSats: 100_000n,
  confirmations: 1,
})
/** The Internet: 0-conf up to 20 000 sats a trade, two confirmations beyond (README). */
export const INTERNET_CONFIRMATIONS: ConfirmationPolicy = Object.freeze({
  zeroConfSats: 20_000n,
  confirmations: 2,
})

/**
 * Whether a payment of `sats` with `confirmations` counts, given the sats this trade already counted
 * unconfirmed and the 0-conf allowance (the smaller of the policy's and trust's). Returns whether it
 * counts and whether it counts as 0-conf.
 */
export function paymentCounts(
  sats: bigint,
  confirmations: number,
  zeroConfCounted: bigint,
  allowanceSats: bigint,
  policy: ConfirmationPolicy,
): { readonly counts: boolean; readonly zeroConf: boolean } {
  if (confirmations >= policy.confirmations) return { counts: true, zeroConf: false }
  const cap = allowanceSats < policy.zeroConfSats ? allowanceSats : policy.zeroConfSats
  if (zeroConfCounted + sats <= cap) return { counts: true, zeroConf: true }
  return { counts: false, zeroConf: false }
}

/** Model 0 (ALGORITHMS.md §7) as the market sees it; plebnet's `trust/model0.ts` backs it. */
export interface StrangerAdmission {
  /** Whether `peer` is known (paid enough times). */
  isKnown(peer: string): boolean
  /** `accept(p, now)`: known peers always; strangers while their shared budget lasts. */
  accept(peer: string, nowMs: number): boolean
  /** `onComplete` then `onSettled` of §7, with Δt the time our exposure was outstanding. */
  settle(peer: string, ok: boolean, exposedMs: number): void
}

/** Reads a counterparty's open responsibilities from its ledger: trades it started and has not finished. */
export interface OpenResponsibilities {
  /** Open trades of `peer` (tx_init without tx_done in its chain, plus ours with it). */
  openTrades(peer: string): Promise<number>
}

/** Caps of {@link createTradeTrustPolicy}. */
export interface TradeTrustOptions {
  /** A peer with more open trades than this is refused (Tribler's rule, shipped off; on here). */
  readonly maxOpenResponsibilities: number
  /** Largest exposure of one trade with a known peer, sats. */
  readonly maxExposureSats: bigint
  /** Largest exposure of one trade with a stranger, sats. */
  readonly strangerMaxExposureSats: bigint
  /** 0-conf allowance for a known peer, sats. */
  readonly zeroConfSats: bigint
  /** 0-conf allowance for a stranger, sats. */
  readonly strangerZeroConfSats: bigint
}

/** Defaults: strangers get a tenth of a known peer's exposure and half its 0-conf allowance. */
export const TRADE_TRUST_DEFAULTS: TradeTrustOptions = Object.freeze({
  maxOpenResponsibilities: 3,
  maxExposureSats: 500_000n,
  strangerMaxExposureSats: 50_000n,
  zeroConfSats: 100_000n,
  strangerZeroConfSats: 50_000n,
})

/** The trust policy: open-responsibility cap, then Model 0 and exposure caps by known/stranger. */
export function createTradeTrustPolicy(
  deps: { readonly strangers: StrangerAdmission; readonly responsibilities: OpenResponsibilities },
  options: TradeTrustOptions = TRADE_TRUST_DEFAULTS,
): TrustPolicy {
  return {
    async admit(peer, maxExposureSats, nowMs): Promise<TrustVerdict> {
      const open = await deps.responsibilities.openTrades(peer)
      if (open > options.maxOpenResponsibilities) {
        return {
          ok: false,
          reason: `peer has ${open} open trades, more than ${options.maxOpenResponsibilities}`,
        }
      }
      const known = deps.strangers.isKnown(peer)
      const cap = known ? options.maxExposureSats : options.strangerMaxExposureSats
      if (maxExposureSats > cap) {
        return { ok: false, reason: `exposure ${maxExposureSats} sats above the cap of ${cap}` }
      }
      if (!deps.strangers.accept(peer, nowMs)) {
        return { ok: false, reason: 'Model 0: the budget for unknown traders is spent' }
      }
      return { ok: true, zeroConfSats: known ? options.zeroConfSats : options.strangerZeroConfSats }
    },
    settled(peer, ok, exposedMs) {
      deps.strangers.settle(peer, ok, exposedMs)
    },
  }
}
