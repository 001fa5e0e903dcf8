/**
 * The payment safety rules (CLOUDOMATE.md §15.3–15.6), pure: address on the wallet's network, the
 * price ceiling and floor, the absolute cap, invoice expiry, and address reuse across invoices.
 */
import { validateAddress, type NetworkParams } from '@dolly/wallet'
import type { PaymentQuote } from '../model.ts'
import { addressReusedElsewhere, invoiceAlreadyPaid, type PurchaseRecord } from './journal.ts'

/** Limits from `[payment]` and the CLI. */
export interface PaymentPolicy {
  /** `tolerance_pct`: how far above the expected price an invoice may be (default 3). */
  readonly tolerancePct: number
  /** `max_sat` / `--max-price-sat`: never pay more than this; null = no cap. */
  readonly maxSats: bigint | null
}

/** Default tolerance (CLOUDOMATE.md §10: `tolerance_pct` 3). */
export const DEFAULT_TOLERANCE_PCT = 3
/** Do not pay within this many ms of an invoice's expiry (§15.6: 60 s). */
export const EXPIRY_MARGIN_MS = 60_000

/** Why a payment was refused. */
export type RefusalReason =
  'address' | 'above-ceiling' | 'above-cap' | 'below-floor' | 'expired' | 'already-paid' | 'address-reused'

/** Outcome of the checks. */
export type SafetyVerdict =
  { readonly ok: true } | { readonly ok: false; readonly reason: RefusalReason; readonly message: string }

/** Runs every rule; the first failing one decides. */
export function checkPayment(input: {
  readonly provider: string
  readonly quote: PaymentQuote
  readonly expectedSats: bigint
  readonly policy: PaymentPolicy
  readonly network: NetworkParams
  readonly nowMs: number
  readonly journal: ReadonlyMap<string, PurchaseRecord>
}): SafetyVerdict {
  const { quote, expectedSats, policy } = input
  try {
    validateAddress(quote.address, input.network)
  } catch (err) {
    return refuse(
      'address',
      `address ${quote.address} is not valid on ${input.network.name}: ${err instanceof Error ? err.message : String(err)}`,
    )
  }
  // Integer form of amount ≤ expected · (1 + tolerance/100), with the tolerance in basis points.
  const toleranceBp = BigInt(Math.round(policy.tolerancePct * 100))
  if (quote.amountSats * 10_000n > expectedSats * (10_000n + toleranceBp)) {
    return refuse(
      'above-ceiling',
      `invoice asks ${quote.amountSats} sats, more than the expected ${expectedSats} sats + ${policy.tolerancePct} %; the price changed or the wrong product was ordered`,
    )
  }
  if (policy.maxSats !== null && quote.amountSats > policy.maxSats) {
    return refuse(
      'above-cap',
      `invoice asks ${quote.amountSats} sats, above the cap of ${policy.maxSats} sats`,
    )
  }
  if (quote.amountSats * 2n < expectedSats) {
    return refuse(
      'below-floor',
      `invoice asks ${quote.amountSats} sats, under half the expected ${expectedSats} sats: a wrong parse or a wrong product`,
    )
  }
  if (quote.expiresAtMs !== undefined && quote.expiresAtMs - input.nowMs < EXPIRY_MARGIN_MS) {
    return refuse(
      'expired',
      `invoice ${quote.invoiceId} expires at ${quote.expiresAtMs}, too soon to pay safely; re-quote`,
    )
  }
  const key = { provider: input.provider, invoiceId: quote.invoiceId, address: quote.address }
  const paid = invoiceAlreadyPaid(input.journal, key)
  if (paid !== undefined) {
    return refuse(
      'already-paid',
      `invoice ${quote.invoiceId} is already ${paid.state} in purchase ${paid.purchaseId}`,
    )
  }
  const reused = addressReusedElsewhere(input.journal, { ...key, nowMs: input.nowMs })
  if (reused !== undefined) {
    return refuse(
      'address-reused',
      `address ${quote.address} was already used for invoice ${reused.invoiceId ?? '?'} in purchase ${reused.purchaseId}`,
    )
  }
  return { ok: true }
}

function refuse(reason: RefusalReason, message: string): SafetyVerdict {
  return { ok: false, reason, message }
}
