import type { z } from 'zod'
import { Transaction } from 'bitcoinjs-lib'
import type { AbortOptions, Clock } from '@dolly/base'
import { WalletError } from '../errors.ts'
import type { ChainBackend } from '../ports.ts'
import type { BroadcastResult, ChainTransaction, FeeEstimate, Utxo } from '../types.ts'
import { createJsonRpcClient, type JsonRpcClient, type JsonRpcConfig, type RpcReply } from './json-rpc.ts'
import {
  BlockCountSchema,
  BlockHashSchema,
  EstimateSmartFeeSchema,
  NetworkInfoSchema,
  RawTransactionSchema,
  ScanTxOutSetSchema,
  TxidSchema,
} from './schema.ts'

/** Options of the Core-RPC chain. */
export interface BitcoinCoreRpcChainOptions extends JsonRpcConfig {
  /** How often to retry `scantxoutset` while another scan runs on the node (read-only, so retrying is safe). */
  readonly scanBusyRetries?: number
  readonly scanBusyWaitMs?: number
}

// Bitcoin Core RPC error codes (rpc/protocol.h).
const RPC_INVALID_ADDRESS_OR_KEY = -5
const RPC_INVALID_PARAMETER = -8
const RPC_DESERIALIZATION_ERROR = -22
const RPC_VERIFY_ERROR = -25
const RPC_VERIFY_REJECTED = -26
const RPC_VERIFY_ALREADY_IN_CHAIN = -27

/**
 * ChainBackend over Bitcoin Core's JSON-RPC (a real bitcoind, or the world's litecoind -regtest, which
 * runs Core 0.21's code). UTXOs come from `scantxoutset` (no wallet, works on any node); transactions from
 * `getrawtransaction`, which for confirmed transactions needs the node to run with `-txindex=1`.
 */
export function createBitcoinCoreRpcChain(
  deps: { clock: Clock; rpc?: JsonRpcClient },
  options: BitcoinCoreRpcChainOptions,
): ChainBackend {
  const rpc = deps.rpc ?? createJsonRpcClient(options)
  const busyRetries = options.scanBusyRetries ?? 50
  const busyWaitMs = options.scanBusyWaitMs ?? 200
  // Core runs one scantxoutset at a time per node; queue ours so two calls of this adapter never collide.
  let scanQueue: Promise<unknown> = Promise.resolve()

  async function call<S extends z.ZodType>(
    method: string,
    params: readonly unknown[],
    schema: S,
    opts: AbortOptions,
  ): Promise<z.output<S>> {
    const reply = await rpc.call(method, params, opts)
    if (!reply.ok) throw rpcFailure(method, reply)
    return parseReply(method, schema, reply.result)
  }

  async function scan(scriptsHex: readonly string[], opts: AbortOptions): Promise<readonly Utxo[]> {
    const descriptors = scriptsHex.map((s) => `raw(${s})`)
    for (let attempt = 0; ; attempt++) {
      const reply = await rpc.call('scantxoutset', ['start', descriptors], opts)
      if (reply.ok) {
        const data = parseReply('scantxoutset', ScanTxOutSetSchema, reply.result)
        return data.unspents.map((u) => ({
          txid: u.txid,
          vout: u.vout,
          valueSats: u.amount,
          scriptHex: u.scriptPubKey,
          height: u.height,
        }))
      }
      if (
        reply.code !== RPC_INVALID_PARAMETER ||
        !/in progress/i.test(reply.message) ||
        attempt >= busyRetries
      )
        throw rpcFailure('scantxoutset', reply)
      await deps.clock.sleep(busyWaitMs, opts)
    }
  }

  return {
    async tipHeight(opts = {}) {
      return call('getblockcount', [], BlockCountSchema, opts)
    },
    async tipHash(opts = {}) {
      return call('getbestblockhash', [], BlockHashSchema, opts)
    },
    async listUnspent(scriptsHex, opts = {}) {
      if (scriptsHex.length === 0) return []
      const run = scanQueue.then(() => scan(scriptsHex, opts))
      scanQueue = run.catch(() => undefined)
      return run
    },
    async getTransaction(txid, opts = {}): Promise<ChainTransaction | undefined> {
      const reply = await rpc.call('getrawtransaction', [txid, true], opts)
      if (!reply.ok) {
        // Without -txindex Core answers -5 for every confirmed transaction, so "not found" would be a lie.
        if (reply.code === RPC_INVALID_ADDRESS_OR_KEY && /-txindex/.test(reply.message)) {
          throw new WalletError(
            'WALLET_BACKEND_CONFIG',
            `the node cannot look up confirmed transactions (${reply.message}); restart it with -txindex=1`,
            { txid },
          )
        }
        if (reply.code === RPC_INVALID_ADDRESS_OR_KEY) return undefined
        throw rpcFailure('getrawtransaction', reply)
      }
      const tx = parseReply('getrawtransaction', RawTransactionSchema, reply.result)
      const confirmations = tx.confirmations ?? 0
      if (confirmations === 0) return { txid: tx.txid, hex: tx.hex, confirmations }
      const tip = await call('getblockcount', [], BlockCountSchema, opts)
      return { txid: tx.txid, hex: tx.hex, confirmations, blockHeight: tip - confirmations + 1 }
    },
    async broadcast(txHex, opts = {}): Promise<BroadcastResult> {
      // Single attempt: if the reply is lost the transaction may have reached the node anyway.
      const reply = await rpc.call('sendrawtransaction', [txHex], opts)
      if (reply.ok)
        return { kind: 'accepted', txid: parseReply('sendrawtransaction', TxidSchema, reply.result) }
      if (reply.code === RPC_VERIFY_ALREADY_IN_CHAIN) return { kind: 'accepted', txid: txidOf(txHex) }
      if (
        reply.code === RPC_VERIFY_REJECTED ||
        reply.code === RPC_VERIFY_ERROR ||
        reply.code === RPC_DESERIALIZATION_ERROR
      ) {
        return { kind: 'rejected', reason: reply.message }
      }
      throw rpcFailure('sendrawtransaction', reply)
    },
    async estimateFee(targetBlocks, opts = {}): Promise<FeeEstimate> {
      const estimate = await call('estimatesmartfee', [targetBlocks], EstimateSmartFeeSchema, opts)
      const info = await call('getnetworkinfo', [], NetworkInfoSchema, opts)
      return {
        ...(estimate.feerate === undefined ? {} : { feeRateSatPerKvb: estimate.feerate }),
        minRelayFeeRateSatPerKvb: info.relayfee,
      }
    },
  }
}

function txidOf(txHex: string): string {
  try {
    return Transaction.fromHex(txHex).getId()
  } catch (err) {
    throw new WalletError('WALLET_TX_INVALID', 'the transaction does not deserialize', {}, { cause: err })
  }
}

function parseReply<S extends z.ZodType>(method: string, schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value)
  if (!parsed.success) {
    throw new WalletError(
      'WALLET_BACKEND_PROTOCOL',
      `unexpected reply to ${method}: ${parsed.error.message}`,
      { method, issues: parsed.error.issues },
    )
  }
  return parsed.data
}

function rpcFailure(method: string, reply: Extract<RpcReply, { ok: false }>): WalletError {
  const hint = /txindex/i.test(reply.message) ? '; start the node with -txindex=1' : ''
  return new WalletError(
    'WALLET_BACKEND_PROTOCOL',
    `${method} failed with RPC error ${reply.code}: ${reply.message}${hint}`,
    {
      method,
      rpcCode: reply.code,
      rpcMessage: reply.message,
    },
  )
}
