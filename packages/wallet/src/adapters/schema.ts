import { z } from 'zod'
import { parseBtc } from '@dolly/base'

/**
 * zod schemas for chain-backend replies (third-party formats: unknown keys are stripped).
 */

/**
 * A coin amount Core sends as a JSON number of BTC. Every amount with at most 8 decimals below the coin cap
 * is the double nearest to it, and doubles are spaced below 5e-9 there, so `toFixed(8)` recovers it exactly.
 */
export const BtcNumber = z
  .number()
  .nonnegative()
  .transform((n) => parseBtc(n.toFixed(8)))

/** `scantxoutset start` reply (Bitcoin Core 0.21 rpc/blockchain.cpp). */
export const ScanTxOutSetSchema = z.object({
  success: z.boolean(),
  height: z.number().int().nonnegative(),
  unspents: z.array(
    z.object({
      txid: z.string().regex(/^[0-9a-f]{64}$/),
      vout: z.number().int().nonnegative(),
      scriptPubKey: z.string().regex(/^[0-9a-f]*$/),
      amount: BtcNumber,
      height: z.number().int().nonnegative(),
    }),
  ),
})

/** `getrawtransaction <txid> true` reply. */
export const RawTransactionSchema = z.object({
  txid: z.string().regex(/^[0-9a-f]{64}$/),
  hex: z.string().regex(/^[0-9a-f]+$/),
  confirmations: z.number().int().nonnegative().optional(),
  blockhash: z.string().optional(),
})

/** `estimatesmartfee` reply: `feerate` in BTC/kvB, absent with `errors` when there is no data. */
export const EstimateSmartFeeSchema = z.object({
  feerate: BtcNumber.optional(),
  errors: z.array(z.string()).optional(),
  blocks: z.number().int().optional(),
})

/** `getnetworkinfo` reply, the part we use. */
export const NetworkInfoSchema = z.object({ relayfee: BtcNumber })

/** `getblockcount` reply. */
export const BlockCountSchema = z.number().int().nonnegative()

/** A txid reply. */
export const TxidSchema = z.string().regex(/^[0-9a-f]{64}$/)

/** A block hash reply (`getbestblockhash`): 32 bytes in hex, as a txid. */
export const BlockHashSchema = TxidSchema
