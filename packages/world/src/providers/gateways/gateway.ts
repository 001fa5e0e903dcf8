/** The interface every world payment gateway implements, and helpers they share. */
import { formatBtc } from '@dolly/base'
import { isoInstant } from '../calendar.ts'
import type { HttpHandler } from '../http.ts'
import type { Invoice } from '../invoice.ts'
import type { GatewayKind } from '../types.ts'

/** What the shop tells a gateway about the invoice it sends the buyer to pay. */
export interface PaymentContext {
  readonly invoice: Invoice
  /** The WHMCS invoice number. */
  readonly invoiceNum: number
  readonly firstname: string
  readonly lastname: string
  readonly email: string
  /** Where the gateway sends the buyer back to (`viewinvoice.php?id=N`). */
  readonly returnUrl: string
}

/** A payment gateway service of a provider. */
export interface Gateway {
  readonly kind: GatewayKind
  /** Percent the gateway adds on top of the price (CLOUDOMATE.md §5: BitPay and Coinbase 1 %). */
  readonly feePercent: number
  /** The gateway's own HTTP service. */
  readonly handle: HttpHandler
  /** The HTML the shop's order-complete and invoice pages embed: the form (and links) to the gateway. */
  paymentHtml(ctx: PaymentContext): string
}

/** The total a buyer pays through a gateway with `feePercent`, rounded up. */
export function withGatewayFee(priceSats: bigint, feePercent: number): bigint {
  return (priceSats * BigInt(100 + feePercent) + 99n) / 100n
}

/** A BIP21 URI (`bitcoin:` scheme as the world's gateways print it, with `r=` for BIP72). */
export function bip21(
  address: string,
  amountSats: bigint,
  extra: Readonly<Record<string, string>> = {},
): string {
  const params = [`amount=${formatBtc(amountSats, { trim: true })}`]
  for (const [k, v] of Object.entries(extra)) params.push(`${k}=${k === 'r' ? v : encodeURIComponent(v)}`)
  return `bitcoin:${address}?${params.join('&')}`
}

/**
 * The JSON payment request of BitPay's JSON Payment Protocol (`Accept: application/payment-request`),
 * which replaced BIP70 protobuf: outputs with integer amounts, ISO times, the payment URL.
 */
export function jsonPaymentRequest(
  invoice: Invoice,
  paymentUrl: string,
  network: string,
): Record<string, unknown> {
  const due = invoice.amountSats - invoice.seenSats
  return {
    network,
    currency: 'BTC',
    requiredFeeRate: 1,
    outputs: [{ amount: Number(due > 0n ? due : 0n), address: invoice.address }],
    time: isoInstant(invoice.createdMs),
    expires: isoInstant(invoice.expiresMs),
    memo: `Payment request for BitPay invoice ${invoice.id}`,
    paymentUrl,
    paymentId: invoice.id,
  }
}
