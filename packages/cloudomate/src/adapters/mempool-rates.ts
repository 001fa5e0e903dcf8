/**
 * The public price API of mempool.space (`/api/v1/prices` → `{time, USD, EUR, …}` in whole units per
 * BTC), as recommended by CLOUDOMATE.md §7; parsed with zod, converted to sats per unit rounding up.
 */
import { z } from 'zod'
import { CloudomateError } from '../errors.ts'
import type { RateSource } from '../ports.ts'

/** The default endpoint. */
export const MEMPOOL_PRICES_URL = 'https://mempool.space/api/v1/prices'

const schema = z.object({ time: z.number().int(), USD: z.number().positive(), EUR: z.number().positive() })

/** Creates the rate source; `url` can point at a mirror. */
export function createMempoolRateSource(options: { url?: string; timeoutMs?: number } = {}): RateSource {
  const url = options.url ?? MEMPOOL_PRICES_URL
  return {
    rate: async (currency, opts = {}) => {
      const timeout = AbortSignal.timeout(options.timeoutMs ?? 15_000)
      const signal = opts.signal === undefined ? timeout : AbortSignal.any([opts.signal, timeout])
      let body: unknown
      try {
        const response = await fetch(url, { signal, headers: { accept: 'application/json' } })
        body = await response.json()
      } catch (err) {
        throw new CloudomateError(
          'CLOUDOMATE_HTTP_FAILED',
          `price API ${url} failed: ${err instanceof Error ? err.message : String(err)}`,
          { url },
          { cause: err },
        )
      }
      const parsed = schema.safeParse(body)
      if (!parsed.success)
        throw new CloudomateError('CLOUDOMATE_API_ERROR', `price API ${url} answered another shape`, {
          url,
          issues: parsed.error.issues,
        })
      const perBtc = parsed.data[currency]
      // Whole units per BTC → sats per unit, rounded up so a price is never underestimated.
      const satsPerUnit = BigInt(Math.ceil(100_000_000 / perBtc))
      return { satsPerUnit, atMs: parsed.data.time * 1000 }
    },
  }
}
