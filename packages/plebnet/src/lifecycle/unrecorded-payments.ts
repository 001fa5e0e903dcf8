/**
 * Dowry and heir payments the wallet made that the lifecycle state does not record yet: the tick
 * was killed after the wallet signed (or broadcast) the payment and before it saved the outcome.
 * Pure: the shell passes the wallet's payments and applies the outcomes returned.
 */
import type { EffectOutcome, LifecycleState, PurchaseItem } from './state.ts'

/** The wallet journal's purpose of hand-over number `sweep` (one purpose per hand-over, so each is paid once). */
export function heirPurpose(sweep: number): string {
  return sweep === 0 ? 'heir sweep' : `heir sweep ${sweep}`
}

/** The wallet journal's purpose of an item's dowry (one per child, so it is paid once). */
export function dowryPurpose(item: Pick<PurchaseItem, 'childTree' | 'id'>): string {
  return `dowry ${item.childTree ?? item.id}`
}

/** A payment in the wallet's journal, as far as the adoption needs it. */
export interface WalletPaymentView {
  readonly purpose: string
  readonly txid: string
  /** Rejected or conflicted: nothing was paid. */
  readonly failed: boolean
}

/** The outcomes the adoption can find. */
export type AdoptedOutcome = Extract<EffectOutcome, { kind: 'dowry-paid' | 'heir-paid' }>

/**
 * The outcomes of payments already made but missing from `state`: a dowry of an `installed` item, and
 * the current hand-over (`heirSweeps`). Without this an heir payment that spent every coin would never
 * be recorded (the core decides `pay-heir` only while coins are spendable, and the sweep left none),
 * and a dowry would be recorded only once new coins arrived.
 */
export function unrecordedPayments(
  state: LifecycleState,
  payments: readonly WalletPaymentView[],
): readonly AdoptedOutcome[] {
  const made = new Map<string, string>()
  for (const p of payments) if (!p.failed && !made.has(p.purpose)) made.set(p.purpose, p.txid)
  const outcomes: AdoptedOutcome[] = []
  for (const item of state.items) {
    const txid = item.stage === 'installed' ? made.get(dowryPurpose(item)) : undefined
    if (txid !== undefined) outcomes.push({ kind: 'dowry-paid', itemId: item.id, txid })
  }
  const heirTxid = made.get(heirPurpose(state.heirSweeps))
  if (heirTxid !== undefined) outcomes.push({ kind: 'heir-paid', txid: heirTxid })
  return outcomes
}
