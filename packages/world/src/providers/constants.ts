import type { BillingCycle } from './types.ts'

/** One world day in ms. */
export const DAY_MS = 86_400_000

/** A billing month: WHMCS moves the due date a calendar month; the world uses 30 days so leases are uniform. */
export const MONTH_MS = 30 * DAY_MS

/** Months bought per WHMCS billing cycle. */
export const CYCLE_MONTHS: Readonly<Record<BillingCycle, number>> = Object.freeze({
  monthly: 1,
  quarterly: 3,
  annually: 12,
})

/** World ms between paying and the host being handed over: small shops took minutes (CLOUDOMATE.md §8). */
export const PROVISIONING_DELAY_MS = 10 * 60_000

/** Invoice lifetime in world ms: BitPay invoices last 15 min (CLOUDOMATE.md §15.6). */
export const INVOICE_EXPIRY_MS = 15 * 60_000

/** Confirmations before an invoice counts as paid: BitPay's "medium" transaction speed is 1. */
export const CONFIRMATIONS = 1

/** Confirmations at which BitPay marks an invoice `complete`. */
export const COMPLETE_CONFIRMATIONS = 6

/** World ms between two passes of a provider's invoice/lease loop; the world shortens it at high time scales. */
export const POLL_INTERVAL_MS = 60_000

/** The world's exchange rate in sats per US dollar (1 BTC = 100,000 USD): fixed, so prices are reproducible. */
export const SATS_PER_USD = 1_000n

/** World ms between a DMCA complaint and suspension at a strict shop: "within a minute" (thesis §4.5.1). */
export const DMCA_SUSPEND_DELAY_MS = 60_000

/** Length of generated root passwords, alphanumeric (CLOUDOMATE.md §11: ≥ 16 from a CSPRNG). */
export const ROOT_PASSWORD_LENGTH = 16

/** Most open (unpaid, unexpired) CoinPayments transactions one IP may have: the per-IP limit of §8. */
export const COINPAYMENTS_OPEN_PER_IP = 3
