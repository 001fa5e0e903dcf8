import type { AbortOptions, Checkpoint, Clock, Logger } from '@dolly/base'
import type { DerivedAddress, HdNode } from '../hd/keys.ts'
import type { NetworkParams } from '../network.ts'
import type { ChainBackend, PaymentRecord, ReceiptRecord, WalletStore } from '../ports.ts'
import type { FeePolicy } from '../spend/fee-policy.ts'

/** Ports the wallet uses. */
export interface WalletDeps {
  readonly chain: ChainBackend
  readonly store: WalletStore
  readonly clock: Clock
  readonly logger: Logger
  /** Fault injection after `wallet-insert` (intent recorded) and `broadcast` (node replied); default none. */
  readonly checkpoint?: Checkpoint
}

/** Plain-data options; defaults in constants.ts. */
export interface WalletOptions {
  readonly network: NetworkParams
  /** BIP84 account node; a neutered one gives a watch-only wallet that cannot send. */
  readonly account: HdNode
  readonly gapLimit?: number
  readonly minConfirmations?: number
  readonly confirmationTargetBlocks?: number
  readonly feePolicy?: Partial<FeePolicy>
  /** Refuse a fee above this percentage of the amount. */
  readonly maxFeePercent?: bigint
}

/** Balances in sats. `spendable + pendingChange` is what the wallet holds once pending payments settle. */
export interface Balance {
  /** Confirmed coins on chain, including those our pending payments spend. */
  readonly confirmedSats: bigint
  /** Confirmed coins not reserved by a pending payment. */
  readonly spendableSats: bigint
  /** Change that pending payments will return. */
  readonly pendingChangeSats: bigint
  /** spendable + pendingChange. */
  readonly totalSats: bigint
}

/** A payment to make. */
export interface SendRequest {
  readonly to: string
  readonly amountSats: bigint
  /** Why we pay (shown in history): "vps linevast/Basic", "sweep to heir", ... */
  readonly purpose: string
  /** Explicit fee rate; still bound by the floor and ceiling. */
  readonly feeRateSatPerKvb?: bigint
}

/** The wallet service: the imperative shell around selection, signing and the journal. */
export interface Wallet {
  readonly network: NetworkParams
  /** The first receive address with no coins and not handed out before; it is then recorded as handed out. */
  receiveAddress(options?: AbortOptions): Promise<DerivedAddress>
  balance(options?: AbortOptions): Promise<Balance>
  /** Pays once: records the signed intent, then broadcasts a single time. */
  send(request: SendRequest, options?: AbortOptions): Promise<PaymentRecord>
  /**
   * Sends every spendable coin to `to` with the fee taken from the amount and no change (the heir
   * sweep at the end of a lease). Coins held by a pending payment are left alone.
   */
  sendAll(request: Omit<SendRequest, 'amountSats'>, options?: AbortOptions): Promise<PaymentRecord>
  /** Spends every coin of another account we hold the keys of (a descendant's) to a fresh address of ours. */
  sweepAccount(source: HdNode, purpose: string, options?: AbortOptions): Promise<PaymentRecord>
  /** Settles pending payments against the chain (run at start-up and before spending). */
  reconcile(options?: AbortOptions): Promise<readonly PaymentRecord[]>
  history(): { readonly payments: readonly PaymentRecord[]; readonly receipts: readonly ReceiptRecord[] }
  /** Polls until the payment has `confirmations`, bounded by `timeoutMs`. */
  waitForConfirmations(
    id: string,
    options?: AbortOptions & { confirmations?: number; pollMs?: number; timeoutMs?: number },
  ): Promise<PaymentRecord>
}
