/**
 * The ports cloudomate needs from its host program. The CLI's composition root adapts @dolly/wallet's
 * wallet to `PaymentWallet`; the agent does the same with its own wallet.
 */
import type { AbortOptions } from '@dolly/base'
import type { NetworkParams } from '@dolly/wallet'
import type { Currency } from './model.ts'

/**
 * State of a payment in the wallet's own journal: `signed` (recorded, broadcast outcome not yet known),
 * `broadcast` (the node accepted it), `confirmed`, or `failed` (rejected or conflicted: nothing paid).
 */
export type WalletPaymentState = 'signed' | 'broadcast' | 'confirmed' | 'failed'

/** A payment the wallet recorded (signed before its single broadcast). */
export interface WalletPayment {
  readonly txid: string
  readonly toAddress: string
  readonly amountSats: bigint
  /** Unix ms the payment was created. */
  readonly createdAtMs: number
  readonly state: WalletPaymentState
}

/** The narrow wallet port cloudomate pays through. */
export interface PaymentWallet {
  readonly network: NetworkParams
  /** Spendable sats. */
  balanceSats(options?: AbortOptions): Promise<bigint>
  /**
   * Pays once. The wallet records the intent before broadcasting; a retry with the same
   * `idempotencyKey` must not pay again.
   */
  pay(
    request: { address: string; amountSats: bigint; purpose: string; idempotencyKey: string },
    options?: AbortOptions,
  ): Promise<{ txid: string }>
  /**
   * The wallet's record of the payment made under `idempotencyKey`, after settling a record whose
   * broadcast outcome is still unknown against the chain; undefined when the wallet never signed one
   * (then nothing was paid under that key). When several exist (a failed attempt, then a retry), the
   * one that went furthest (confirmed, broadcast, signed, failed). Crash recovery of a `paying`
   * journal entry decides on this record alone (CLOUDOMATE.md §15.5, issue 14).
   *
   * @throws the wallet's coded errors when the chain cannot be asked about a `signed` record
   */
  paymentByKey(idempotencyKey: string, options?: AbortOptions): Promise<WalletPayment | undefined>
}

/** An exchange rate: sats per whole currency unit, and when it was observed. */
export interface Rate {
  readonly satsPerUnit: bigint
  readonly atMs: number
}

/** BTC per USD/EUR (CLOUDOMATE.md §7). */
export interface RateSource {
  rate(currency: Currency, options?: AbortOptions): Promise<Rate>
}
