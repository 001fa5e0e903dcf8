import { z } from 'zod'
import { Transaction } from 'bitcoinjs-lib'
import { parseBtc, type AbortOptions } from '@dolly/base'
import { WalletError } from '../errors.ts'
import type { ChainBackend } from '../ports.ts'
import type { BroadcastResult, ChainTransaction, FeeEstimate, Utxo } from '../types.ts'
import type { ElectrumTransport } from './electrum-client.ts'
import type { RpcReply } from './json-rpc.ts'
import { blockHashHex } from './block-hash.ts'
import { scriptHashHex } from './script-hash.ts'

// Result shapes from the electrumx "Protocol Methods" page (protocol 1.4). Third-party: extra keys stripped.
// `hex` is the tip's header (protocol 1.4: the raw 80 bytes); only `tipHash` reads it.
const HeadersSubscribe = z.object({ height: z.number().int().nonnegative(), hex: z.string() })
const HEADER_HEX = /^[0-9a-f]{160}$/i
const ListUnspent = z.array(
  z.object({
    tx_hash: z.string().regex(/^[0-9a-f]{64}$/),
    tx_pos: z.number().int().nonnegative(),
    value: z.number().int().nonnegative(),
    height: z.number().int(),
  }),
)
const History = z.array(z.object({ tx_hash: z.string().regex(/^[0-9a-f]{64}$/), height: z.number().int() }))
const TxHex = z.string().regex(/^[0-9a-f]+$/)
const Txid = z.string().regex(/^[0-9a-f]{64}$/)
// BTC per kilobyte as a JSON number; -1 when the daemon has no estimate.
const CoinPerKb = z.number()
const UNKNOWN_TX_RE = /no such mempool or blockchain transaction|not found|unknown transaction/i
const ALREADY_MINED_RE = /already in block chain|txn-already-known/i

/**
 * ChainBackend over the Electrum protocol (what the original Dollynator used through Electrum). A
 * transaction's height comes from the history of its first spendable output's script hash, so it works
 * without `verbose` transaction support on the server.
 */
export function createElectrumChain(deps: { transport: ElectrumTransport }): ChainBackend {
  const { transport } = deps

  async function call<S extends z.ZodType>(
    method: string,
    params: readonly unknown[],
    schema: S,
    opts: AbortOptions,
  ): Promise<z.output<S>> {
    const reply = await transport.call(method, params, opts)
    if (!reply.ok) throw failure(method, reply)
    return parse(method, schema, reply.result)
  }

  const tip = (opts: AbortOptions) => call('blockchain.headers.subscribe', [], HeadersSubscribe, opts)
  const tipHeight = async (opts: AbortOptions = {}): Promise<number> => (await tip(opts)).height

  return {
    tipHeight,
    async tipHash(opts = {}) {
      const { hex } = await tip(opts)
      if (!HEADER_HEX.test(hex))
        throw new WalletError(
          'WALLET_BACKEND_PROTOCOL',
          `electrum blockchain.headers.subscribe sent a header of ${hex.length} hex chars, not 160`,
          { chars: hex.length },
        )
      return blockHashHex(Buffer.from(hex, 'hex'))
    },
    async listUnspent(scriptsHex, opts = {}): Promise<readonly Utxo[]> {
      const out: Utxo[] = []
      for (const scriptHex of scriptsHex) {
        const unspent = await call(
          'blockchain.scripthash.listunspent',
          [scriptHashHex(scriptHex)],
          ListUnspent,
          opts,
        )
        // height 0 (or -1 with unconfirmed parents) means mempool; the port lists confirmed outputs only.
        for (const u of unspent)
          if (u.height > 0)
            out.push({
              txid: u.tx_hash,
              vout: u.tx_pos,
              valueSats: BigInt(u.value),
              scriptHex,
              height: u.height,
            })
      }
      return out
    },
    async getTransaction(txid, opts = {}): Promise<ChainTransaction | undefined> {
      const reply = await transport.call('blockchain.transaction.get', [txid, false], opts)
      if (!reply.ok) {
        if (UNKNOWN_TX_RE.test(reply.message)) return undefined
        throw failure('blockchain.transaction.get', reply)
      }
      const hex = parse('blockchain.transaction.get', TxHex, reply.result)
      let tx: Transaction
      try {
        tx = Transaction.fromHex(hex)
      } catch (err) {
        throw new WalletError(
          'WALLET_BACKEND_PROTOCOL',
          `electrum returned an undecodable transaction for ${txid}`,
          { txid },
          { cause: err },
        )
      }
      const output = tx.outs.find((o) => o.script[0] !== 0x6a)
      if (output === undefined) return { txid, hex, confirmations: 0 }
      const history = await call(
        'blockchain.scripthash.get_history',
        [scriptHashHex(Buffer.from(output.script).toString('hex'))],
        History,
        opts,
      )
      const height = history.find((h) => h.tx_hash === txid)?.height ?? 0
      if (height <= 0) return { txid, hex, confirmations: 0 }
      return { txid, hex, confirmations: (await tipHeight(opts)) - height + 1, blockHeight: height }
    },
    async broadcast(txHex, opts = {}): Promise<BroadcastResult> {
      // Single attempt: a lost reply leaves the outcome unknown; the wallet reconciles instead of retrying.
      const reply = await transport.call('blockchain.transaction.broadcast', [txHex], opts)
      if (reply.ok)
        return { kind: 'accepted', txid: parse('blockchain.transaction.broadcast', Txid, reply.result) }
      if (ALREADY_MINED_RE.test(reply.message))
        return { kind: 'accepted', txid: Transaction.fromHex(txHex).getId() }
      return { kind: 'rejected', reason: reply.message }
    },
    async estimateFee(targetBlocks, opts = {}): Promise<FeeEstimate> {
      const estimate = await call('blockchain.estimatefee', [targetBlocks], CoinPerKb, opts)
      const relay = await call('blockchain.relayfee', [], CoinPerKb, opts)
      return {
        ...(estimate > 0 ? { feeRateSatPerKvb: coinPerKbToSats(estimate) } : {}),
        minRelayFeeRateSatPerKvb: relay > 0 ? coinPerKbToSats(relay) : 1_000n,
      }
    },
  }
}

// Same exactness argument as Core's amounts (adapters/schema.ts): 8-decimal values round-trip via toFixed(8).
function coinPerKbToSats(value: number): bigint {
  return parseBtc(value.toFixed(8))
}

function parse<S extends z.ZodType>(method: string, schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value)
  if (!parsed.success)
    throw new WalletError(
      'WALLET_BACKEND_PROTOCOL',
      `unexpected electrum reply to ${method}: ${parsed.error.message}`,
      { method, issues: parsed.error.issues },
    )
  return parsed.data
}

function failure(method: string, reply: Extract<RpcReply, { ok: false }>): WalletError {
  return new WalletError(
    'WALLET_BACKEND_PROTOCOL',
    `electrum ${method} failed (${reply.code}): ${reply.message}`,
    { method, code: reply.code },
  )
}
