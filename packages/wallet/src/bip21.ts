import { formatBtc, parseBtc, errorCode } from '@dolly/base'
import { validateAddress } from './address.ts'
import { WalletError } from './errors.ts'
import type { NetworkParams } from './network.ts'

/** A parsed BIP21 payment request. Amounts are exact satoshis. */
export interface PaymentRequest {
  /** Absent only for a BIP72 request that carries nothing but `r=`. */
  readonly address?: string
  readonly amountSats?: bigint
  readonly label?: string
  readonly message?: string
  /** BIP72 payment-request URL. */
  readonly r?: string
  /** BOLT11 invoice offered as an alternative. */
  readonly lightning?: string
}

/** True when the text looks like a URI for the network's scheme (case-insensitive, BIP21 "bitcoin:"). */
export function isPaymentUri(text: string, params: NetworkParams): boolean {
  return text.toLowerCase().startsWith(`${params.uriScheme}:`)
}

/**
 * Parses a BIP21 URI: `bitcoin:<address>[?params]`. The scheme is case-insensitive, parameters come in any
 * order and are percent-decoded, `amount` is decimal BTC parsed exactly, unknown `req-*` parameters make
 * the whole URI invalid (BIP21 "Forward compatibility"), other unknown parameters are ignored.
 *
 * @throws WalletError WALLET_BIP21_MALFORMED, WALLET_BIP21_REQ_UNKNOWN, WALLET_AMOUNT_*, WALLET_ADDRESS_*
 */
export function parsePaymentUri(text: string, params: NetworkParams): PaymentRequest {
  const request = parsePaymentUriSyntax(text, params.uriScheme)
  if (request.address !== undefined) validateAddress(request.address, params)
  return request
}

/**
 * The syntax half of {@link parsePaymentUri}: everything except address validation (the BIP's own
 * examples use an address whose base58 checksum is wrong, so the syntax is tested on its own).
 *
 * @throws WalletError WALLET_BIP21_MALFORMED, WALLET_BIP21_REQ_UNKNOWN, WALLET_AMOUNT_*
 */
export function parsePaymentUriSyntax(text: string, scheme: string): PaymentRequest {
  if (!text.toLowerCase().startsWith(`${scheme}:`)) malformed(text, `must start with "${scheme}:"`)
  const rest = text.slice(scheme.length + 1)
  const q = rest.indexOf('?')
  const addressPart = q === -1 ? rest : rest.slice(0, q)
  const query = q === -1 ? '' : rest.slice(q + 1)
  const out: { -readonly [K in keyof PaymentRequest]: PaymentRequest[K] } = {}
  if (addressPart !== '') out.address = decode(text, addressPart)
  const seen = new Set<string>()
  for (const pair of query === '' ? [] : query.split('&')) {
    const eq = pair.indexOf('=')
    if (eq <= 0) malformed(text, `parameter ${JSON.stringify(pair)} is not key=value`)
    const key = decode(text, pair.slice(0, eq))
    const value = decode(text, pair.slice(eq + 1))
    if (seen.has(key)) malformed(text, `parameter ${key} appears twice`)
    seen.add(key)
    switch (key) {
      case 'amount':
        out.amountSats = parseAmount(text, value)
        break
      case 'label':
      case 'message':
      case 'r':
      case 'lightning':
        out[key] = value
        break
      default:
        if (key.startsWith('req-')) {
          throw new WalletError(
            'WALLET_BIP21_REQ_UNKNOWN',
            `payment URI requires "${key}", which this wallet does not implement; ask for a plain address`,
            {
              uri: text,
              parameter: key,
            },
          )
        }
    }
  }
  if (out.address === undefined && out.r === undefined)
    malformed(text, 'has neither an address nor an r= payment request')
  return Object.freeze(out)
}

/** Formats a BIP21 URI; the amount is written in BTC with trailing zeros trimmed. */
export function formatPaymentUri(request: PaymentRequest, params: NetworkParams): string {
  const parts: string[] = []
  if (request.amountSats !== undefined) parts.push(`amount=${formatBtc(request.amountSats, { trim: true })}`)
  for (const key of ['label', 'message', 'r', 'lightning'] as const) {
    const value = request[key]
    if (value !== undefined) parts.push(`${key}=${encodeURIComponent(value)}`)
  }
  return `${params.uriScheme}:${request.address ?? ''}${parts.length > 0 ? `?${parts.join('&')}` : ''}`
}

function parseAmount(uri: string, value: string): bigint {
  try {
    return parseBtc(value)
  } catch (err) {
    const code = errorCode(err)
    const walletCode =
      code === 'BASE_AMOUNT_TOO_PRECISE'
        ? 'WALLET_AMOUNT_TOO_PRECISE'
        : code === 'BASE_AMOUNT_OUT_OF_RANGE'
          ? 'WALLET_AMOUNT_OUT_OF_RANGE'
          : 'WALLET_AMOUNT_INVALID'
    throw new WalletError(
      walletCode,
      `payment URI amount ${JSON.stringify(value)} is not a valid BTC amount (at most 8 decimals)`,
      { uri, amount: value },
      { cause: err },
    )
  }
}

function decode(uri: string, part: string): string {
  try {
    return decodeURIComponent(part)
  } catch (err) {
    return malformed(uri, `bad percent-encoding in ${JSON.stringify(part)}`, err)
  }
}

function malformed(uri: string, reason: string, cause?: unknown): never {
  throw new WalletError(
    'WALLET_BIP21_MALFORMED',
    `payment URI ${JSON.stringify(uri)} ${reason}`,
    { uri, reason },
    cause === undefined ? undefined : { cause },
  )
}
