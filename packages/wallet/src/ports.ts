import type { AbortOptions } from '@dolly/base'
import type { BroadcastResult, ChainTransaction, FeeEstimate, Utxo } from './types.ts'

/**
 * The chain as the wallet needs it (STYLE.md §1.2: a port sized to its user). Adapters: bitcoin-core-rpc,
 * memory; all pass `test/contract/chain-backend.contract.ts`.
 *
 * Every method throws WalletError WALLET_BACKEND_DOWN when the backend cannot be reached, and
 * WALLET_BACKEND_PROTOCOL when its reply does not parse.
 */
export interface ChainBackend {
  /** Height of the best block. */
  tipHeight(options?: AbortOptions): Promise<number>
  /**
   * Hash of the best block (hex, 64 chars). The confirmed UTXO set `listUnspent` reads can only
   * change when it does (a new block or a reorg), so the wallet keeps a scan per tip hash.
   */
  tipHash(options?: AbortOptions): Promise<string>
  /**
   * Confirmed unspent outputs paying any of the scripts (hex), as of the tip. Coins spent only in the
   * mempool are still listed: the wallet subtracts its own pending spends.
   */
  listUnspent(scriptsHex: readonly string[], options?: AbortOptions): Promise<readonly Utxo[]>
  /** A transaction in the mempool or the chain, or undefined when the backend does not know it. */
  getTransaction(txid: string, options?: AbortOptions): Promise<ChainTransaction | undefined>
  /**
   * Broadcasts once. Never call it again blindly for a different transaction: if the reply is lost the
   * transaction may still have reached the network (STYLE.md §1.7). Re-sending the identical signed
   * transaction is safe and is how the wallet reconciles.
   */
  broadcast(txHex: string, options?: AbortOptions): Promise<BroadcastResult>
  /** Fee estimate for confirmation within `targetBlocks`. */
  estimateFee(targetBlocks: number, options?: AbortOptions): Promise<FeeEstimate>
}

/** State of a payment in the journal. */
export type PaymentState = 'signed' | 'broadcast' | 'confirmed' | 'failed'

/** One outgoing payment: written as `signed` before the broadcast (the intent), then advanced. */
export interface PaymentRecord {
  readonly id: string
  readonly txid: string
  readonly txHex: string
  readonly toAddress: string
  readonly amountSats: bigint
  readonly feeSats: bigint
  readonly changeSats: bigint
  readonly purpose: string
  /** Outpoints "txid:vout" this payment spends (reserved while it is pending). */
  readonly inputs: readonly string[]
  /** Change index used, if any (BIP44 chain 1). */
  readonly changeIndex?: number
  readonly state: PaymentState
  readonly confirmations: number
  readonly createdAtMs: number
  readonly updatedAtMs: number
  readonly failureReason?: string
}

/** An incoming output seen on one of our addresses. */
export interface ReceiptRecord {
  readonly outpoint: string
  readonly address: string
  readonly valueSats: bigint
  readonly height: number
  readonly firstSeenMs: number
}

/** The wallet's durable local record (adapter: node:sqlite). */
export interface WalletStore {
  /** Records the intent before broadcasting; fails if the id exists. */
  insertPayment(record: PaymentRecord): void
  /** Moves a payment on. */
  updatePayment(
    id: string,
    patch: { state: PaymentState; confirmations: number; updatedAtMs: number; failureReason?: string },
  ): void
  getPayment(id: string): PaymentRecord | undefined
  listPayments(): readonly PaymentRecord[]
  /** Adds receipts not seen before; returns how many were new. */
  upsertReceipts(receipts: readonly ReceiptRecord[]): number
  listReceipts(): readonly ReceiptRecord[]
  /** Small key/value state (next address indexes). */
  getNumber(key: string): number | undefined
  setNumber(key: string, value: number): void
  close(): void
}
