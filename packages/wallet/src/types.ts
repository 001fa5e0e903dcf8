/** Domain types shared by the wallet core and its ports. Amounts are bigint satoshis. */

/** An unspent output as a chain backend reports it. */
export interface Utxo {
  /** Transaction id, hex in RPC byte order. */
  readonly txid: string
  readonly vout: number
  readonly valueSats: bigint
  /** The output's scriptPubKey, lower-case hex. */
  readonly scriptHex: string
  /** Height of the block that confirmed it. */
  readonly height: number
}

/** A transaction as the backend knows it. */
export interface ChainTransaction {
  readonly txid: string
  readonly hex: string
  /** 0 while in the mempool. */
  readonly confirmations: number
  readonly blockHeight?: number
}

/** The backend's fee view, in sat/kvB. */
export interface FeeEstimate {
  /** Estimate for the confirmation target; undefined when the node has no data (regtest, fresh node). */
  readonly feeRateSatPerKvb?: bigint
  /** The node's minimum relay fee: a transaction below it is not relayed. */
  readonly minRelayFeeRateSatPerKvb: bigint
}

/** What happened to one broadcast. A lost reply is not an outcome: the adapter throws WALLET_BACKEND_DOWN. */
export type BroadcastResult =
  | { readonly kind: 'accepted'; readonly txid: string }
  | { readonly kind: 'rejected'; readonly reason: string }
