/**
 * The ports the trade protocol drives (STYLE.md §1.2): the MB ledger, the Bitcoin wallet, trust, the
 * journal and the message transport. Adapters live with the agent (ledger, wallet) or in `adapters/`.
 */
import type { AbortOptions } from '@dolly/base'
import type { TradeTerms } from './terms.ts'

/** MB moves as ledger transfers: half-blocks signed by both sides. */
export interface TokenLedger {
  /**
   * Transfers `bytes` MB to `to` (public key hex) and resolves with the transfer's id once the
   * counterparty has countersigned. Idempotent per `key`: a call with a key already used resolves
   * with the first transfer's id and moves nothing.
   */
  transfer(to: string, bytes: bigint, key: string, options?: AbortOptions): Promise<string>
  /** The id of the transfer made under `key`, or undefined if none was made (recovery). */
  findTransfer(key: string): Promise<string | undefined>
  /** Bytes `from` moved to us in the countersigned transfer `ref`; undefined if there is none. */
  received(from: string, ref: string): Promise<bigint | undefined>
}

/** An incoming Bitcoin payment as the wallet sees it. */
export interface IncomingPayment {
  /** Sats the transaction pays to the address. */
  readonly sats: bigint
  /** Confirmations (0 while in the mempool). */
  readonly confirmations: number
}

/** Bitcoin moves as on-chain payments from the agent's wallet. */
export interface BitcoinPayer {
  /** The address this trade's sats are to be paid to; the same address for the same trade id. */
  receiveAddress(tradeId: string): Promise<string>
  /**
   * Pays `sats` to `address` and resolves with the txid once broadcast. Idempotent per `key`
   * (`tradeId:btc:n`): a retry with a used key resolves with the first txid and pays nothing.
   */
  pay(address: string, sats: bigint, key: string, options?: AbortOptions): Promise<string>
  /** The txid paid under `key`, or undefined if none was (recovery). */
  findPayment(key: string): Promise<string | undefined>
  /** What transaction `txid` pays to `address`; undefined when the wallet does not see it. */
  incoming(address: string, txid: string): Promise<IncomingPayment | undefined>
}

/** A trust decision on a counterparty. */
export type TrustVerdict =
  | {
      readonly ok: true
      /** Sats this trade may count before they confirm (0-conf allowance); 0n: wait for confirmations. */
      readonly zeroConfSats: bigint
    }
  | { readonly ok: false; readonly reason: string }

/** Whom we trade with and how far (Model 0 for strangers, a cap on open responsibilities). */
export interface TrustPolicy {
  /**
   * Whether to open a trade with `peer` in which our unpaid exposure peaks at `maxExposureSats`.
   * Called once per trade, before it is accepted or started.
   */
  admit(peer: string, maxExposureSats: bigint, nowMs: number): Promise<TrustVerdict>
  /** The trade with `peer` ended: `ok` when it paid everything; `exposedMs` how long we were exposed. */
  settled(peer: string, ok: boolean, exposedMs: number): void
}

/** The append-only trade journal (declared beside its entries, journal.ts). */
export type { TradeJournal } from './journal.ts'

/** Carries encoded trade messages; delivery is best effort (the protocol retransmits). */
export interface TradeTransport {
  /** Sends `bytes` to the trader with public key `to` (hex). Never throws for an unreachable peer. */
  send(to: string, bytes: Uint8Array): void
}

/** How the local trader answers a proposal or counter-proposal. */
export type NegotiationDecision =
  | { readonly kind: 'accept' }
  | { readonly kind: 'counter'; readonly mbBytes: bigint; readonly sats: bigint }
  | { readonly kind: 'decline'; readonly reason: string }

/** Decides on the terms the counterparty offered (`counters`: counter-proposals so far). */
export type Negotiator = (offered: TradeTerms, counters: number) => NegotiationDecision
