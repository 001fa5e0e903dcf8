/**
 * Which unpaid quotes of a shop a new purchase may resume (issue 14), pure. A quote belongs to the one
 * order it was made for: only a quote for the same provider and option as the order being bought now,
 * and still young enough, is paid; every other open quote is closed and never paid, so a month-old
 * invoice for another plan can no longer be paid and credited to the plan bought now.
 */
import type { PurchaseRecord } from './journal.ts'
import { EXPIRY_MARGIN_MS } from './safety.ts'

/**
 * The longest a quote is resumed after it was journaled, whatever expiry the invoice states (or when
 * it states none): 1 hour of clock time. A purchase resumes within one agent tick or one CLI retry,
 * minutes apart; WHMCS invoices often state no expiry and gateway quotes commonly lock their rate for
 * 15–60 minutes, so an older quote's rate cannot be trusted anyway.
 */
export const QUOTE_MAX_AGE_MS = 60 * 60_000

/** When a quote stops being payable: the invoice's own expiry or {@link QUOTE_MAX_AGE_MS}, whichever is first. */
export function quoteDeadlineMs(record: PurchaseRecord): number {
  const quotedAtMs = record.quotedAtMs ?? record.updatedAtMs
  const maxAge = quotedAtMs + QUOTE_MAX_AGE_MS
  return record.expiresAtMs === undefined ? maxAge : Math.min(record.expiresAtMs, maxAge)
}

/** An open quote to close, and why. */
export interface ClosedQuote {
  readonly record: PurchaseRecord
  readonly state: 'expired' | 'refused'
  readonly reason: string
}

/** What to do with a shop's open (`quoted`) purchases. */
export interface QuotePlan {
  /** The one quote to resume: same option, not expired, the newest of those. */
  readonly resume: PurchaseRecord | undefined
  readonly close: readonly ClosedQuote[]
}

/**
 * Splits `quoted` records of one provider into the one to resume and those to close: expired ones
 * (within {@link EXPIRY_MARGIN_MS} of their deadline) as `expired`, quotes for another option, and
 * older duplicates of the resumed one, as `refused`.
 */
export function planOpenQuotes(
  quoted: readonly PurchaseRecord[],
  order: { readonly provider: string; readonly optionId: string; readonly nowMs: number },
): QuotePlan {
  const close: ClosedQuote[] = []
  const candidates: PurchaseRecord[] = []
  for (const record of quoted) {
    if (record.state !== 'quoted') continue
    const deadlineMs = quoteDeadlineMs(record)
    if (deadlineMs - order.nowMs < EXPIRY_MARGIN_MS) {
      close.push({
        record,
        state: 'expired',
        reason: `quote payable until ${deadlineMs}, now ${order.nowMs}`,
      })
    } else if (record.provider !== order.provider || record.optionId !== order.optionId) {
      close.push({
        record,
        state: 'refused',
        reason: `quote for ${record.provider} option ${record.optionId}, not the order for ${order.provider} option ${order.optionId}`,
      })
    } else {
      candidates.push(record)
    }
  }
  const newest = candidates.reduce<PurchaseRecord | undefined>(
    (best, r) =>
      best === undefined || (r.quotedAtMs ?? r.updatedAtMs) > (best.quotedAtMs ?? best.updatedAtMs)
        ? r
        : best,
    undefined,
  )
  for (const record of candidates) {
    if (record !== newest)
      close.push({
        record,
        state: 'refused',
        reason: `superseded by the newer quote of purchase ${newest?.purchaseId ?? '?'}`,
      })
  }
  return { resume: newest, close }
}
