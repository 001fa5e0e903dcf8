/**
 * Fiat prices as integer cents and their conversion to satoshis (CLOUDOMATE.md §15.1, §15.4): decimals
 * are parsed exactly, never through `number`, and rounding up happens only when converting to sats.
 */
import { CloudomateError } from './errors.ts'
import type { Currency } from './model.ts'

const DECIMAL_RE = /^(\d{1,9})(?:[.,](\d{1,2}))?$/

/**
 * Parses "4.99", "4,99" or "5" into cents.
 *
 * @throws CloudomateError CLOUDOMATE_SHOP_CHANGED when the text is not such a decimal
 */
export function parseCents(text: string): bigint {
  const m = DECIMAL_RE.exec(text.trim())
  if (m === null) {
    throw new CloudomateError(
      'CLOUDOMATE_SHOP_CHANGED',
      `expected a price like "4.99", got ${JSON.stringify(text)}`,
      {
        text,
      },
    )
  }
  return BigInt(m[1] ?? '0') * 100n + BigInt((m[2] ?? '').padEnd(2, '0'))
}

/**
 * Reads a price as shops print it: "$4.99 USD", "€5,00", "4.99 EUR/mo", "$3.00/mo".
 *
 * @throws CloudomateError CLOUDOMATE_SHOP_CHANGED when no amount is found
 */
export function parsePriceText(
  text: string,
  fallback: Currency = 'USD',
): { cents: bigint; currency: Currency } {
  const m = /(\d{1,9}(?:[.,]\d{1,2})?)/.exec(text.replace(/\s+/g, ' '))
  if (m === null || m[1] === undefined) {
    throw new CloudomateError('CLOUDOMATE_SHOP_CHANGED', `no price in ${JSON.stringify(text)}`, { text })
  }
  const currency: Currency = /€|EUR/i.test(text) ? 'EUR' : /\$|USD/i.test(text) ? 'USD' : fallback
  return { cents: parseCents(m[1]), currency }
}

/** Formats cents as "4.99". */
export function formatCents(cents: bigint): string {
  const sign = cents < 0n ? '-' : ''
  const abs = cents < 0n ? -cents : cents
  return `${sign}${abs / 100n}.${(abs % 100n).toString().padStart(2, '0')}`
}

/** Sats for `cents` at `satsPerUnit` sats per whole currency unit, rounded up (we must not underpay). */
export function centsToSats(cents: bigint, satsPerUnit: bigint): bigint {
  return (cents * satsPerUnit + 99n) / 100n
}

/** Adds a gateway's fee in percent, rounded up: `estimate(cost) = ceil(cost · (1 + fee))` (§5). */
export function withFeePercent(sats: bigint, feePercent: number): bigint {
  const basisPoints = BigInt(Math.round(feePercent * 100))
  return (sats * (10_000n + basisPoints) + 9_999n) / 10_000n
}
