import { BaseError } from './errors.ts'

/** Satoshis per coin: 10^8. */
export const SATS_PER_BTC = 100_000_000n
/** The 21 million coin cap in satoshis; no amount we parse may exceed it. */
export const MAX_MONEY_SATS = 21_000_000n * SATS_PER_BTC

const DECIMAL_RE = /^(\d+)(?:\.(\d*))?$|^\.(\d+)$/

/**
 * Parses a decimal coin amount ("0.00041", "1", "1.5", ".5") into bigint satoshis, exactly and never
 * through `number`.
 *
 * @throws BaseError BASE_INVALID_AMOUNT (not a plain non-negative decimal: signs, exponents,
 *   spaces, commas), BASE_AMOUNT_TOO_PRECISE (more than 8 decimals), BASE_AMOUNT_OUT_OF_RANGE
 *   (above 21,000,000).
 * @example parseBtc('0.00041') === 41000n
 */
export function parseBtc(text: string): bigint {
  const match = DECIMAL_RE.exec(text)
  if (match === null) {
    throw new BaseError(
      'BASE_INVALID_AMOUNT',
      `expected a non-negative decimal amount like "0.001", got ${JSON.stringify(text)}`,
      { input: text },
    )
  }
  const whole = match[1] ?? '0'
  const fraction = match[2] ?? match[3] ?? ''
  if (fraction.length > 8) {
    throw new BaseError(
      'BASE_AMOUNT_TOO_PRECISE',
      `amount ${text} has ${fraction.length} decimals; at most 8 (one satoshi) are allowed`,
      { input: text },
    )
  }
  const sats = BigInt(whole) * SATS_PER_BTC + BigInt(fraction.padEnd(8, '0'))
  if (sats > MAX_MONEY_SATS) {
    throw new BaseError('BASE_AMOUNT_OUT_OF_RANGE', `amount ${text} is above the 21,000,000 coin cap`, {
      input: text,
    })
  }
  return sats
}

/**
 * Formats satoshis as a decimal coin amount with exactly 8 decimals ("0.00041000"), or with trailing
 * zeros trimmed when `trim` is set ("0.00041"). Negative amounts keep their sign.
 */
export function formatBtc(sats: bigint, options: { trim?: boolean } = {}): string {
  const sign = sats < 0n ? '-' : ''
  const abs = sats < 0n ? -sats : sats
  const whole = abs / SATS_PER_BTC
  let fraction = (abs % SATS_PER_BTC).toString().padStart(8, '0')
  if (options.trim === true) {
    fraction = fraction.replace(/0+$/, '')
    return fraction === '' ? `${sign}${whole}` : `${sign}${whole}.${fraction}`
  }
  return `${sign}${whole}.${fraction}`
}

/**
 * Parses an integer satoshi count given as a string or bigint ("41000"); rejects signs, decimals and
 * values above the coin cap.
 *
 * @throws BaseError BASE_INVALID_AMOUNT, BASE_AMOUNT_OUT_OF_RANGE
 */
export function parseSats(input: string | bigint): bigint {
  if (typeof input === 'string' && !/^\d+$/.test(input)) {
    throw new BaseError(
      'BASE_INVALID_AMOUNT',
      `expected a whole number of satoshis, got ${JSON.stringify(input)}`,
      {
        input,
      },
    )
  }
  const sats = BigInt(input)
  if (sats < 0n || sats > MAX_MONEY_SATS) {
    throw new BaseError(
      'BASE_AMOUNT_OUT_OF_RANGE',
      `satoshi amount ${sats} is outside 0..${MAX_MONEY_SATS}`,
      {
        input: sats,
      },
    )
  }
  return sats
}
