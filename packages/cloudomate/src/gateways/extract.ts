/**
 * Pure extractors of the payment gateways' pages (CLOUDOMATE.md §5): each returns the address and the
 * exact amount in sats, plus the raw BIP21 URI, which is parsed by @dolly/wallet's real BIP21 parser
 * and checked against the wallet's network.
 */
import * as cheerio from 'cheerio'
import { errorCode, parseBtc } from '@dolly/base'
import { parsePaymentUri, validateAddress, type NetworkParams } from '@dolly/wallet'
import { z } from 'zod'
import { CloudomateError } from '../errors.ts'

/** Address and amount read from a gateway. */
export interface Extracted {
  readonly address: string
  readonly amountSats: bigint
  readonly bip21?: string
  readonly expiresAtMs?: number
  readonly invoiceId?: string
}

const changed = (gateway: string, message: string, details: Record<string, unknown> = {}, cause?: unknown) =>
  new CloudomateError(
    'CLOUDOMATE_GATEWAY_CHANGED',
    `${gateway}: ${message}`,
    { gateway, ...details },
    cause === undefined ? undefined : { cause },
  )

/**
 * Parses a BIP21 URI with the wallet's parser; the address must belong to `network` and the amount
 * must be present.
 *
 * @throws CloudomateError CLOUDOMATE_GATEWAY_CHANGED (malformed, no amount), CLOUDOMATE_PAYMENT_REFUSED
 *   (address of another network)
 */
export function extractFromBip21(gateway: string, uri: string, network: NetworkParams): Extracted {
  let parsed
  try {
    parsed = parsePaymentUri(uri, network)
  } catch (err) {
    const code = errorCode(err) ?? ''
    if (code.startsWith('WALLET_ADDRESS')) {
      throw new CloudomateError(
        'CLOUDOMATE_PAYMENT_REFUSED',
        `${gateway} asked for a payment to an address that is not valid on ${network.name}: ${err instanceof Error ? err.message : String(err)}`,
        { gateway, reason: 'address', uri },
        { cause: err },
      )
    }
    throw changed(gateway, `unreadable payment URI ${JSON.stringify(uri)}`, { uri }, err)
  }
  if (parsed.address === undefined || parsed.amountSats === undefined) {
    throw changed(gateway, `payment URI without address or amount: ${uri}`, { uri })
  }
  return { address: parsed.address, amountSats: parsed.amountSats, bip21: uri }
}

const bitpaySchema = z.object({
  data: z.object({
    id: z.string().min(1),
    status: z.string(),
    btcDue: z.string(),
    bitcoinAddress: z.string().min(1),
    expirationTime: z.number().int(),
    paymentUrls: z.object({ BIP21: z.string() }).partial().optional(),
  }),
})

/** BitPay `invoiceData/<id>` (2017 API): `bitcoinAddress`, `btcDue`, `expirationTime`, `paymentUrls.BIP21`. */
export function extractBitpayInvoiceData(
  json: unknown,
  network: NetworkParams,
): Extracted & { status: string } {
  const parsed = bitpaySchema.safeParse(json)
  if (!parsed.success)
    throw changed('bitpay', 'invoice data has another shape', { issues: parsed.error.issues })
  const d = parsed.data.data
  let amountSats: bigint
  try {
    amountSats = parseBtc(d.btcDue)
  } catch (err) {
    throw changed('bitpay', `btcDue ${JSON.stringify(d.btcDue)} is not an amount`, {}, err)
  }
  const fromUri =
    d.paymentUrls?.BIP21 === undefined ? undefined : extractFromBip21('bitpay', d.paymentUrls.BIP21, network)
  if (fromUri !== undefined && (fromUri.address !== d.bitcoinAddress || fromUri.amountSats !== amountSats)) {
    throw changed('bitpay', 'BIP21 URI and invoice fields disagree', { uri: d.paymentUrls?.BIP21 })
  }
  try {
    validateAddress(d.bitcoinAddress, network)
  } catch (err) {
    throw new CloudomateError(
      'CLOUDOMATE_PAYMENT_REFUSED',
      `bitpay invoice address ${d.bitcoinAddress} is not valid on ${network.name}`,
      { gateway: 'bitpay', reason: 'address' },
      { cause: err },
    )
  }
  return {
    address: d.bitcoinAddress,
    amountSats,
    ...(fromUri?.bip21 === undefined ? {} : { bip21: fromUri.bip21 }),
    expiresAtMs: d.expirationTime,
    invoiceId: d.id,
    status: d.status,
  }
}

/** Legacy Coinbase checkout: the BIP21 link in `div.details p a[href]`. */
export function extractCoinbasePage(html: string, network: NetworkParams): Extracted {
  const $ = cheerio.load(html)
  const href = $('div.details p a[href^="bitcoin:"]').first().attr('href')
  if (href === undefined) throw changed('coinbase', 'no payment link in div.details')
  const expires = Number($('#timer').attr('data-expires') ?? Number.NaN)
  return {
    ...extractFromBip21('coinbase', href, network),
    ...(Number.isFinite(expires) ? { expiresAtMs: expires } : {}),
  }
}

/** Coinify: the first BIP21 URI with an `amount` parameter anywhere in the page. */
export function extractCoinifyPage(html: string, network: NetworkParams): Extracted {
  const m = /bitcoin:[A-Za-z0-9]+\?[^"'<\s]*amount=[^"'<\s]*/i.exec(html.replaceAll('&amp;', '&'))
  if (m === null) throw changed('coinify', 'no BIP21 URI with an amount in the page')
  return extractFromBip21('coinify', m[0], network)
}

/** CoinPayments' checkout page: the BIP21 link in `div.pay-block a[href]`. */
export function extractCoinpaymentsPage(html: string, network: NetworkParams): Extracted {
  const $ = cheerio.load(html)
  const href = $('div.pay-block a[href^="bitcoin:"]').first().attr('href')
  if (href === undefined) throw changed('coinpayments', 'no payment link in div.pay-block')
  const expires = Number($('div.pay-block .timeout').attr('data-expires') ?? Number.NaN)
  return {
    ...extractFromBip21('coinpayments', href, network),
    ...(Number.isFinite(expires) ? { expiresAtMs: expires } : {}),
  }
}

/** SpectroCoin: `div.payAmount` (first token) and `div.address`. */
export function extractSpectrocoinPage(html: string, network: NetworkParams): Extracted {
  const $ = cheerio.load(html)
  const amount = $('div.payAmount').first().text().trim().split(/\s+/)[0] ?? ''
  const address = $('div.address').first().text().trim()
  return checkedPair('spectrocoin', address, amount, network)
}

/** Blockchain.info WHMCS module: `<b>X BTC</b>` and `<b>address</b>`, and the ticket `secret`. */
export function extractBlockchainModulePage(
  html: string,
  network: NetworkParams,
): Extracted & { secret: string | null; invId: string | null } {
  const $ = cheerio.load(html)
  const bolds = $('b')
    .toArray()
    .map((b) => $(b).text().trim())
  const amount = bolds.find((b) => /^\d*\.?\d+\s*BTC$/i.test(b))
  const address = bolds.find((b) => b !== amount && /^[A-Za-z0-9]{26,90}$/.test(b))
  if (amount === undefined || address === undefined) throw changed('blockchain', 'no amount/address <b> tags')
  return {
    ...checkedPair('blockchain', address, amount.replace(/\s*BTC$/i, ''), network),
    secret: /var secret = "([^"]+)"/.exec(html)?.[1] ?? null,
    invId: /var invId = "([^"]+)"/.exec(html)?.[1] ?? null,
  }
}

function checkedPair(
  gateway: string,
  address: string,
  amountText: string,
  network: NetworkParams,
): Extracted {
  let amountSats: bigint
  try {
    amountSats = parseBtc(amountText)
  } catch (err) {
    throw changed(gateway, `amount ${JSON.stringify(amountText)} is not a BTC amount`, {}, err)
  }
  try {
    validateAddress(address, network)
  } catch (err) {
    throw new CloudomateError(
      'CLOUDOMATE_PAYMENT_REFUSED',
      `${gateway} address ${address} is not valid on ${network.name}`,
      { gateway, reason: 'address' },
      { cause: err },
    )
  }
  return { address, amountSats }
}
