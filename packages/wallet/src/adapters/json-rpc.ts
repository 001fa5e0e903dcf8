import { z } from 'zod'
import type { AbortOptions } from '@dolly/base'
import { WalletError } from '../errors.ts'

/** Where and how to reach a Bitcoin Core-style JSON-RPC server. */
export interface JsonRpcConfig {
  /** e.g. "http://127.0.0.1:18443/" (a wallet path "wallet/<name>" may be appended per call). */
  readonly url: string
  readonly user: string
  readonly password: string
  /** Per-call timeout. */
  readonly timeoutMs: number
}

/** A JSON-RPC reply: a result, or the server's error code and message. */
export type RpcReply =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly code: number; readonly message: string }

/** A JSON-RPC 1.0 client as Bitcoin Core speaks it (HTTP POST, basic auth). */
export interface JsonRpcClient {
  /** One call. Throws WALLET_BACKEND_DOWN when unreachable, WALLET_BACKEND_CONFIG on bad credentials. */
  call(
    method: string,
    params: readonly unknown[],
    options?: AbortOptions & { wallet?: string },
  ): Promise<RpcReply>
}

// Third-party format: extra keys are stripped (STYLE.md §1.6).
const ReplySchema = z.object({
  result: z.unknown().optional(),
  error: z.object({ code: z.number(), message: z.string() }).nullable().optional(),
})

/** Creates a client over the global fetch. */
export function createJsonRpcClient(config: JsonRpcConfig): JsonRpcClient {
  const auth = `Basic ${Buffer.from(`${config.user}:${config.password}`).toString('base64')}`
  const base = config.url.endsWith('/') ? config.url : `${config.url}/`
  return {
    async call(method, params, options = {}) {
      const url = options.wallet === undefined ? base : `${base}wallet/${encodeURIComponent(options.wallet)}`
      const signals = [
        AbortSignal.timeout(config.timeoutMs),
        ...(options.signal === undefined ? [] : [options.signal]),
      ]
      let response: Response
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: auth },
          body: JSON.stringify({ jsonrpc: '1.0', id: method, method, params }),
          signal: AbortSignal.any(signals),
        })
      } catch (err) {
        if (options.signal?.aborted === true) throw err
        throw new WalletError(
          'WALLET_BACKEND_DOWN',
          `chain backend at ${base} did not answer ${method}: ${err instanceof Error ? err.message : String(err)}; is the node running?`,
          { url: base, method },
          { cause: err },
        )
      }
      if (response.status === 401 || response.status === 403) {
        throw new WalletError(
          'WALLET_BACKEND_CONFIG',
          `chain backend at ${base} refused the RPC credentials (HTTP ${response.status}); check the RPC user and password`,
          { url: base },
        )
      }
      const text = await response.text()
      let json: unknown
      try {
        json = JSON.parse(text)
      } catch (err) {
        throw new WalletError(
          'WALLET_BACKEND_PROTOCOL',
          `chain backend replied to ${method} with HTTP ${response.status} and no JSON`,
          { url: base, method, status: response.status },
          { cause: err },
        )
      }
      const reply = ReplySchema.safeParse(json)
      if (!reply.success) {
        throw new WalletError(
          'WALLET_BACKEND_PROTOCOL',
          `chain backend reply to ${method} is not JSON-RPC: ${reply.error.message}`,
          { method, issues: reply.error.issues },
        )
      }
      if (reply.data.error !== null && reply.data.error !== undefined)
        return { ok: false, code: reply.data.error.code, message: reply.data.error.message }
      return { ok: true, result: reply.data.result }
    },
  }
}
