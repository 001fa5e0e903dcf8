/**
 * The ports cloudomate needs from its host program. The CLI's composition root adapts @dolly/wallet's
 * wallet to `PaymentWallet`; the agent does the same with its own wallet.
 */
import type { AbortOptions } from '@dolly/base'
import type { NetworkParams } from '@dolly/wallet'
import type { Currency } from './model.ts'

/** A payment the wallet made. */
export interface WalletPayment {
  readonly txid: string
  readonly toAddress: string
  readonly amountSats: bigint
  /** Unix ms the payment was created. */
  readonly createdAtMs: number
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
  /** Outgoing payments, for crash recovery of a `paying` journal entry (CLOUDOMATE.md §15.5). */
  payments(options?: AbortOptions): Promise<readonly WalletPayment[]>
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
