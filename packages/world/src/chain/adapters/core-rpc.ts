import { parseBtc } from '@dolly/base'
import { WorldError } from '../../errors.ts'

/** Where a Core-style JSON-RPC server listens and how to log in. */
export interface CoreRpcEndpoint {
  readonly url: string
  readonly user: string
  readonly password: string
}

/** Calls one JSON-RPC method; `wallet` selects `/wallet/<name>`. */
export type CoreRpcCall = <T>(
  method: string,
  params?: readonly unknown[],
  options?: CoreRpcCallOptions,
) => Promise<T>

/** Per-call options. */
export interface CoreRpcCallOptions {
  readonly wallet?: string
  readonly signal?: AbortSignal
}

/** How long one RPC may take before it is abandoned (ms); mining a few hundred blocks stays well under it. */
const RPC_TIMEOUT_MS = 60_000

/**
 * A minimal Bitcoin-Core JSON-RPC client (HTTP basic auth, JSON-RPC 1.0 envelope) for the world's
 * chain node. Errors from the node become `WORLD_CHAIN_RPC` with the node's code and message;
 * a refused connection becomes `WORLD_CHAIN_UNREACHABLE`.
 */
export function createCoreRpc(endpoint: CoreRpcEndpoint): CoreRpcCall {
  const auth = `Basic ${Buffer.from(`${endpoint.user}:${endpoint.password}`).toString('base64')}`
  const base = endpoint.url.endsWith('/') ? endpoint.url : `${endpoint.url}/`
  return async <T>(
    method: string,
    params: readonly unknown[] = [],
    options: CoreRpcCallOptions = {},
  ): Promise<T> => {
    const url = options.wallet === undefined ? base : `${base}wallet/${encodeURIComponent(options.wallet)}`
    const signal =
      options.signal === undefined
        ? AbortSignal.timeout(RPC_TIMEOUT_MS)
        : AbortSignal.any([options.signal, AbortSignal.timeout(RPC_TIMEOUT_MS)])
    let response: Response
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '1.0', id: method, method, params }),
        signal,
      })
    } catch (err) {
      throw new WorldError(
        'WORLD_CHAIN_UNREACHABLE',
        `chain node at ${endpoint.url} did not answer ${method}`,
        { method },
        { cause: err },
      )
    }
    const text = await response.text()
    let body: { result?: unknown; error?: { code?: number; message?: string } | null }
    try {
      body = JSON.parse(text) as typeof body
    } catch (err) {
      throw new WorldError(
        'WORLD_CHAIN_RPC',
        `chain node answered ${method} with HTTP ${response.status} and no JSON: ${text.slice(0, 200)}`,
        { method, status: response.status },
        { cause: err },
      )
    }
    if (body.error !== null && body.error !== undefined) {
      throw new WorldError('WORLD_CHAIN_RPC', `${method} failed: ${body.error.message ?? 'unknown error'}`, {
        method,
        rpcCode: body.error.code,
      })
    }
    return body.result as T
  }
}

/**
 * Converts a coin amount as the node prints it in JSON (a number with at most 8 decimals) into
 * satoshis. `toFixed(8)` recovers the printed decimal exactly for every amount below the coin cap,
 * so no float arithmetic touches the value.
 */
export function coinsToSats(coins: unknown): bigint {
  if (typeof coins !== 'number' || !Number.isFinite(coins)) {
    throw new WorldError('WORLD_CHAIN_RPC', `expected a coin amount from the node, got ${String(coins)}`, {
      coins,
    })
  }
  const negative = coins < 0
  const sats = parseBtc(Math.abs(coins).toFixed(8))
  return negative ? -sats : sats
}
