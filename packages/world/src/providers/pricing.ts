/** Shop prices: configurable-option surcharges, billing cycles, price drift, and USD → sats. */
import { CYCLE_MONTHS } from './constants.ts'
import type { BillingCycle, ConfigOption, Product, Quirks } from './types.ts'

/** Price drift factor in percent at `nowMs` for a shop opened at `openedMs` (100 = list price). */
export function driftPercent(quirks: Quirks, openedMs: number, nowMs: number): number {
  const drift = quirks.priceDrift
  if (drift === null || drift.everyMs <= 0) return 100
  const steps = Math.max(0, Math.floor((nowMs - openedMs) / drift.everyMs))
  return 100 + drift.stepPercent * steps
}

/** Applies a drift percentage to a price in cents, rounding up (a shop never undercharges). */
export function applyDrift(cents: number, percent: number): number {
  return Math.ceil((cents * percent) / 100)
}

/** Monthly list price of a product plus its selected option surcharges, in cents. */
export function monthlyCents(
  product: Product,
  options: readonly ConfigOption[],
  selected: Readonly<Record<number, number>>,
): number {
  let cents = product.monthlyCents
  for (const option of options) {
    const valueId = selected[option.id]
    const value = option.values.find((v) => v.id === valueId)
    if (value !== undefined) cents += value.monthlyCents
  }
  return cents
}

/** Price of one billing cycle in cents. */
export function cycleCents(monthly: number, cycle: BillingCycle): number {
  return monthly * CYCLE_MONTHS[cycle]
}

/** Converts US cents to satoshis at `satsPerUsd`, rounding up (the buyer pays the last partial sat). */
export function centsToSats(cents: number, satsPerUsd: bigint): bigint {
  return (BigInt(cents) * satsPerUsd + 99n) / 100n
}

/** `$4.99 USD`, as WHMCS prints prices. */
export function formatUsd(cents: number): string {
  return `$${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')} USD`
}

/** WHMCS's label of a billing cycle (`Monthly`). */
export function cycleLabel(cycle: BillingCycle): string {
  return cycle === 'monthly' ? 'Monthly' : cycle === 'quarterly' ? 'Quarterly' : 'Annually'
}
