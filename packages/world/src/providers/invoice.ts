/**
 * The gateway invoice and its state machine, with BitPay's semantics (the other gateways map their
 * own wording onto it): `new` until the full amount is seen, `paid` once it is seen (mempool),
 * `confirmed` after the shop's confirmation count, `complete` at six, `expired` when time runs out
 * first. A partial payment keeps the invoice `new` with `exceptionStatus: 'paidPartial'` so the
 * buyer can pay the rest before expiry; more than due is accepted with `'paidOver'`.
 */

/** BitPay invoice states (bitpay.com/api, "Invoice States"). */
export type InvoiceStatus = 'new' | 'paid' | 'confirmed' | 'complete' | 'expired'

/** BitPay's exception flag. */
export type InvoiceException = false | 'paidPartial' | 'paidOver'

/** One invoice of a provider's gateway. */
export interface Invoice {
  /** Gateway-side id (BitPay: 22 base58 chars). */
  readonly id: string
  /** The shop's order/invoice number this pays. */
  readonly orderId: string
  readonly address: string
  readonly amountSats: bigint
  /** Price in US cents as the shop billed it. */
  readonly priceCents: number
  readonly createdMs: number
  readonly expiresMs: number
  readonly status: InvoiceStatus
  readonly exceptionStatus: InvoiceException
  /** Received at the address, mempool included. */
  readonly seenSats: bigint
  /** World time the full amount was first seen, or null. */
  readonly paidMs: number | null
  /** Payment seen only after expiry: not honoured, to be refunded by hand as at BitPay. */
  readonly lateSats: bigint
}

/** What the wallet reports about an invoice's address at one instant. */
export interface InvoiceObservation {
  /** Received with 0+ confirmations. */
  readonly seenSats: bigint
  /** Received with at least the shop's confirmation count. */
  readonly confirmedSats: bigint
  /** Received with at least six confirmations. */
  readonly completeSats: bigint
}

/** Creates an invoice in state `new`. */
export function newInvoice(input: {
  id: string
  orderId: string
  address: string
  amountSats: bigint
  priceCents: number
  nowMs: number
  expiryMs: number
}): Invoice {
  return {
    id: input.id,
    orderId: input.orderId,
    address: input.address,
    amountSats: input.amountSats,
    priceCents: input.priceCents,
    createdMs: input.nowMs,
    expiresMs: input.nowMs + input.expiryMs,
    status: 'new',
    exceptionStatus: false,
    seenSats: 0n,
    paidMs: null,
    lateSats: 0n,
  }
}

/** True once the invoice can no longer change state. */
export function isFinal(invoice: Invoice): boolean {
  return invoice.status === 'complete' || invoice.status === 'expired'
}

/** True when the merchant may ship: the paid amount has the required confirmations. */
export function isSettled(invoice: Invoice): boolean {
  return invoice.status === 'confirmed' || invoice.status === 'complete'
}

/** Sats still due (0 once the amount was seen). */
export function dueSats(invoice: Invoice): bigint {
  const due = invoice.amountSats - invoice.seenSats
  return due > 0n ? due : 0n
}

/** Advances an invoice by what the wallet saw at `nowMs`; pure, never goes backwards. */
export function observeInvoice(invoice: Invoice, seen: InvoiceObservation, nowMs: number): Invoice {
  if (invoice.status === 'expired') {
    const late = seen.seenSats - invoice.seenSats
    return late > invoice.lateSats ? { ...invoice, lateSats: late } : invoice
  }
  const exceptionOf = (sats: bigint): InvoiceException =>
    sats > invoice.amountSats ? 'paidOver' : sats > 0n && sats < invoice.amountSats ? 'paidPartial' : false
  if (invoice.status === 'new') {
    if (nowMs >= invoice.expiresMs) return { ...invoice, status: 'expired' }
    if (seen.seenSats < invoice.amountSats) {
      return { ...invoice, seenSats: seen.seenSats, exceptionStatus: exceptionOf(seen.seenSats) }
    }
    const paid: Invoice = {
      ...invoice,
      status: 'paid',
      seenSats: seen.seenSats,
      exceptionStatus: exceptionOf(seen.seenSats),
      paidMs: nowMs,
    }
    return observeInvoice(paid, seen, nowMs)
  }
  // paid or confirmed: only confirmations move it on; a paid invoice never expires.
  const seenSats = seen.seenSats > invoice.seenSats ? seen.seenSats : invoice.seenSats
  const base = { ...invoice, seenSats, exceptionStatus: exceptionOf(seenSats) }
  if (seen.completeSats >= invoice.amountSats) return { ...base, status: 'complete' }
  if (seen.confirmedSats >= invoice.amountSats) return { ...base, status: 'confirmed' }
  return base
}
