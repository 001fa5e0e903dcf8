import { z } from 'zod'
import { Transaction } from 'bitcoinjs-lib'
import type { AbortOptions } from '@dolly/base'
import { DEFAULT_MIN_FEE_RATE_SAT_PER_KVB } from '../constants.ts'
import { WalletError } from '../errors.ts'
import type { ChainBackend } from '../ports.ts'
import type { BroadcastResult, ChainTransaction, FeeEstimate, Utxo } from '../types.ts'
import { scriptHashHex } from './script-hash.ts'

/** Options of the Esplora chain. */
export interface EsploraChainOptions {
  /** API root, e.g. "https://blockstream.info/testnet/api/" or "https://mempool.space/api/". */
  readonly baseUrl: string
  readonly timeoutMs: number
}

/** The HTTP client the adapter uses; the global fetch by default, a recorded-response replayer in tests. */
export type FetchLike = (
  url: string,
  init: { method: string; body?: string; signal: AbortSignal },
) => Promise<Response>

// Response shapes from Blockstream/esplora API.md ("Transaction format", "/scripthash/:hash/utxo").
// Third-party format: unknown keys are stripped.
const Status = z.object({ confirmed: z.boolean(), block_height: z.number().int().nonnegative().nullish() })
const UtxoList = z.array(
  z.object({
    txid: z.string().regex(/^[0-9a-f]{64}$/),
    vout: z.number().int().nonnegative(),
    value: z.number().int().nonnegative(),
    status: Status,
  }),
)
const FeeEstimates = z.record(z.string().regex(/^\d+$/), z.number().nonnegative())
const Height = z.string().regex(/^\d+$/)
const Txid = z.string().regex(/^[0-9a-f]{64}$/)
const BlockHash = Txid
const TxHex = z.string().regex(/^[0-9a-f]+$/)
// Core's RPC error embedded in esplora's 400 body: `sendrawtransaction RPC error: {"code":-26,"message":"…"}`.
const RPC_ERROR_RE = /"code"\s*:\s*(-?\d+)/
const RPC_VERIFY_ALREADY_IN_CHAIN = -27

/**
 * ChainBackend over an Esplora REST server (Blockstream's esplora, mempool.space). Esplora has no relay-fee
 * endpoint, so the relay minimum is Bitcoin Core's default (1 sat/vB).
 */
export function createEsploraChain(deps: { fetch?: FetchLike }, options: EsploraChainOptions): ChainBackend {
  const base = options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`
  const doFetch: FetchLike = deps.fetch ?? ((url, init) => fetch(url, init))

  async function request(
    path: string,
    opts: AbortOptions,
    init: { method: string; body?: string } = { method: 'GET' },
  ): Promise<Response> {
    const signal = AbortSignal.any([
      AbortSignal.timeout(options.timeoutMs),
      ...(opts.signal === undefined ? [] : [opts.signal]),
    ])
    try {
      return await doFetch(`${base}${path}`, { ...init, signal })
    } catch (err) {
      if (opts.signal?.aborted === true) throw err
      throw new WalletError(
        'WALLET_BACKEND_DOWN',
        `esplora at ${base} did not answer ${init.method} /${path}: ${err instanceof Error ? err.message : String(err)}`,
        { url: base, path },
        { cause: err },
      )
    }
  }

  async function get<S extends z.ZodType>(
    path: string,
    schema: S,
    opts: AbortOptions,
    asText = false,
  ): Promise<z.output<S>> {
    const response = await request(path, opts)
    const text = await response.text()
    if (!response.ok) throw httpFailure(base, path, response.status, text)
    let body: unknown = text
    if (!asText) {
      try {
        body = JSON.parse(text)
      } catch (err) {
        throw new WalletError(
          'WALLET_BACKEND_PROTOCOL',
          `esplora /${path} did not return JSON`,
          { path },
          { cause: err },
        )
      }
    }
    const parsed = schema.safeParse(asText ? text.trim() : body)
    if (!parsed.success)
      throw new WalletError(
        'WALLET_BACKEND_PROTOCOL',
        `unexpected esplora reply to /${path}: ${parsed.error.message}`,
        { path, issues: parsed.error.issues },
      )
    return parsed.data
  }

  const tipHeight = async (opts: AbortOptions = {}): Promise<number> =>
    Number(await get('blocks/tip/height', Height, opts, true))

  return {
    tipHeight,
    tipHash: (opts = {}) => get('blocks/tip/hash', BlockHash, opts, true),
    async listUnspent(scriptsHex, opts = {}): Promise<readonly Utxo[]> {
      const out: Utxo[] = []
      for (const scriptHex of scriptsHex) {
        const utxos = await get(`scripthash/${scriptHashHex(scriptHex)}/utxo`, UtxoList, opts)
        for (const u of utxos) {
          if (!u.status.confirmed || u.status.block_height === undefined || u.status.block_height === null)
            continue
          out.push({
            txid: u.txid,
            vout: u.vout,
            valueSats: BigInt(u.value),
            scriptHex,
            height: u.status.block_height,
          })
        }
      }
      return out
    },
    async getTransaction(txid, opts = {}): Promise<ChainTransaction | undefined> {
      const response = await request(`tx/${txid}/status`, opts)
      const text = await response.text()
      if (response.status === 404) return undefined
      if (!response.ok) throw httpFailure(base, `tx/${txid}/status`, response.status, text)
      const status = Status.safeParse(safeJson(text))
      if (!status.success)
        throw new WalletError(
          'WALLET_BACKEND_PROTOCOL',
          `unexpected esplora tx status for ${txid}: ${status.error.message}`,
          { txid },
        )
      const hex = await get(`tx/${txid}/hex`, TxHex, opts, true)
      const height = status.data.block_height
      if (!status.data.confirmed || height === undefined || height === null)
        return { txid, hex, confirmations: 0 }
      const tip = await tipHeight(opts)
      return { txid, hex, confirmations: tip - height + 1, blockHeight: height }
    },
    async broadcast(txHex, opts = {}): Promise<BroadcastResult> {
      // Single attempt: if the reply is lost the transaction may have reached the network anyway.
      const response = await request('tx', opts, { method: 'POST', body: txHex })
      const text = (await response.text()).trim()
      if (response.ok) {
        const txid = Txid.safeParse(text)
        if (!txid.success)
          throw new WalletError(
            'WALLET_BACKEND_PROTOCOL',
            `esplora broadcast returned ${JSON.stringify(text.slice(0, 100))}, not a txid`,
            {},
          )
        return { kind: 'accepted', txid: txid.data }
      }
      if (response.status === 400) {
        const code = Number(RPC_ERROR_RE.exec(text)?.[1])
        if (code === RPC_VERIFY_ALREADY_IN_CHAIN)
          return { kind: 'accepted', txid: Transaction.fromHex(txHex).getId() }
        return { kind: 'rejected', reason: text }
      }
      // 5xx and the like: the server may or may not have relayed it.
      throw httpFailure(base, 'tx', response.status, text)
    },
    async estimateFee(targetBlocks, opts = {}): Promise<FeeEstimate> {
      const estimates = await get('fee-estimates', FeeEstimates, opts)
      // The smallest target at or above the wanted one (esplora lists 2,3,4,5,6,10,...), else the largest.
      const targets = Object.keys(estimates)
        .map(Number)
        .sort((a, b) => a - b)
      const chosen = targets.find((t) => t >= targetBlocks) ?? targets.at(-1)
      const satPerVb = chosen === undefined ? undefined : estimates[String(chosen)]
      return {
        // sat/vB float → integer sat/kvB, rounded up (fees round up).
        ...(satPerVb === undefined || satPerVb <= 0
          ? {}
          : { feeRateSatPerKvb: BigInt(Math.ceil(satPerVb * 1000)) }),
        minRelayFeeRateSatPerKvb: DEFAULT_MIN_FEE_RATE_SAT_PER_KVB,
      }
    },
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function httpFailure(base: string, path: string, status: number, body: string): WalletError {
  const code = status >= 500 || status === 429 ? 'WALLET_BACKEND_DOWN' : 'WALLET_BACKEND_PROTOCOL'
  return new WalletError(
    code,
    `esplora at ${base} answered /${path} with HTTP ${status}: ${body.slice(0, 200)}`,
    { url: base, path, status },
  )
}
