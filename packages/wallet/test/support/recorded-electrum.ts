import { readFileSync } from 'node:fs'
import { isDeepStrictEqual } from 'node:util'
import type { ElectrumTransport, RpcReply } from '@dolly/wallet'

/** One recorded Electrum request and its reply. */
export interface ElectrumExchange {
  readonly request: { readonly method: string; readonly params: readonly unknown[] }
  readonly response: {
    readonly result?: unknown
    readonly error?: { readonly code: number; readonly message: string }
  }
}

/** The recorded session in fixtures/electrum-session.json. */
export function loadElectrumSession(): readonly ElectrumExchange[] {
  return JSON.parse(
    readFileSync(new URL('../fixtures/electrum-session.json', import.meta.url), 'utf8'),
  ) as ElectrumExchange[]
}

/** The recorded reply to a request, or undefined when the session does not hold it. */
export function recordedReply(
  exchanges: readonly ElectrumExchange[],
  method: string,
  params: unknown,
): ElectrumExchange['response'] | undefined {
  return exchanges.find((e) => e.request.method === method && isDeepStrictEqual(e.request.params, params))
    ?.response
}

/** A transport answering from the session; a request it does not hold fails loudly. */
export function replayTransport(exchanges: readonly ElectrumExchange[]): ElectrumTransport {
  return {
    async call(method, params): Promise<RpcReply> {
      const response = recordedReply(exchanges, method, params)
      if (response === undefined)
        throw new Error(`unexpected electrum call ${method} ${JSON.stringify(params)}`)
      return response.error === undefined
        ? { ok: true, result: response.result }
        : { ok: false, ...response.error }
    },
    close() {},
  }
}
