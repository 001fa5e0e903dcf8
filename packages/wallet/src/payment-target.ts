import { formatBtc, parseBtc } from '@dolly/base'
import { isPaymentUri, parsePaymentUri } from './bip21.ts'
import { WalletError } from './errors.ts'
import type { NetworkParams } from './network.ts'

/** Where to pay and how much, from what a user typed. */
export interface PaymentTarget {
  readonly to: string
  readonly amountSats: bigint
  readonly label?: string
  readonly message?: string
}

/**
 * Resolves "address + amount" or a BIP21 URI (whose amount may be omitted on the command line, or must
 * match it). The amount is decimal BTC, parsed exactly. The address itself is validated when paying.
 *
 * @throws WalletError WALLET_AMOUNT_INVALID, WALLET_BIP21_MALFORMED, WALLET_ADDRESS_*; BaseError BASE_AMOUNT_*
 */
export function resolvePaymentTarget(
  destination: string,
  amountText: string | undefined,
  params: NetworkParams,
): PaymentTarget {
  const argAmount = amountText === undefined ? undefined : parseBtc(amountText)
  if (!isPaymentUri(destination, params)) {
    if (argAmount === undefined) {
      throw new WalletError('WALLET_AMOUNT_INVALID', 'give an amount in BTC after the address, e.g. 0.3', {})
    }
    return { to: destination, amountSats: argAmount }
  }
  const request = parsePaymentUri(destination, params)
  if (request.address === undefined) {
    throw new WalletError(
      'WALLET_BIP21_MALFORMED',
      'payment requests without an address (BIP72 r=) are not supported; ask for an address',
      {
        uri: destination,
      },
    )
  }
  if (request.amountSats !== undefined && argAmount !== undefined && request.amountSats !== argAmount) {
    throw new WalletError(
      'WALLET_AMOUNT_INVALID',
      `the URI asks for ${formatBtc(request.amountSats)} BTC but ${formatBtc(argAmount)} was given; drop one`,
      { uriAmountSats: request.amountSats, givenSats: argAmount },
    )
  }
  const amountSats = argAmount ?? request.amountSats
  if (amountSats === undefined)
    throw new WalletError('WALLET_AMOUNT_INVALID', 'the URI carries no amount; give one in BTC after it', {})
  return {
    to: request.address,
    amountSats,
    ...(request.label === undefined ? {} : { label: request.label }),
    ...(request.message === undefined ? {} : { message: request.message }),
  }
}

/**
 * Parses a fee rate typed in sat/vB (up to 3 decimals) into integer sat/kvB.
 *
 * @throws WalletError WALLET_AMOUNT_INVALID
 * @example parseFeeRateSatPerVb('2.5') === 2500n
 */
export function parseFeeRateSatPerVb(text: string): bigint {
  const match = /^(\d{1,7})(?:\.(\d{1,3}))?$/.exec(text)
  if (match === null) {
    throw new WalletError(
      'WALLET_AMOUNT_INVALID',
      `fee rate must be sat/vB with up to 3 decimals, like 2.5; got ${JSON.stringify(text)}`,
      { input: text },
    )
  }
  return BigInt(match[1] ?? '0') * 1000n + BigInt((match[2] ?? '').padEnd(3, '0'))
}
