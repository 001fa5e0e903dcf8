/** Rate sources that need no network: a fixed rate (the world's 1 BTC = 100,000 USD, or an operator's). */
import type { Clock } from '@dolly/base'
import { CloudomateError } from './errors.ts'
import type { Currency } from './model.ts'
import type { RateSource } from './ports.ts'

/** A fixed rate in sats per unit for each currency; the observation time is always "now". */
export function createFixedRateSource(
  clock: Clock,
  satsPerUnit: Readonly<Partial<Record<Currency, bigint>>>,
): RateSource {
  return {
    rate: async (currency) => {
      const rate = satsPerUnit[currency]
      if (rate === undefined) {
        throw new CloudomateError(
          'CLOUDOMATE_SETTINGS_INVALID',
          `no fixed ${currency} rate configured ([payment] sats_per_${currency.toLowerCase()})`,
          {
            currency,
          },
        )
      }
      return { satsPerUnit: rate, atMs: clock.nowMs() }
    },
  }
}
