import type { PaymentRecord } from '../ports.ts'
import { outpointOf, type OwnedCoin } from './scan.ts'
import type { Balance } from './wallet-types.ts'

/**
 * Balances from the confirmed coins and the pending payments. A pending payment not yet mined still shows
 * its inputs among the coins (reserved, not spendable) and will return its change; once mined its inputs
 * are gone and its change is a confirmed coin, so it must not be counted as pending too.
 */
export function computeBalance(coins: readonly OwnedCoin[], pending: readonly PaymentRecord[]): Balance {
  const unspent = new Set(coins.map((c) => outpointOf(c.utxo)))
  const unmined = pending.filter((p) => p.inputs.some((o) => unspent.has(o)))
  const reserved = new Set(unmined.flatMap((p) => p.inputs))
  const confirmedSats = coins.reduce((sum, c) => sum + c.utxo.valueSats, 0n)
  const spendableSats = coins
    .filter((c) => !reserved.has(outpointOf(c.utxo)))
    .reduce((sum, c) => sum + c.utxo.valueSats, 0n)
  const pendingChangeSats = unmined.reduce((sum, p) => sum + p.changeSats, 0n)
  return { confirmedSats, spendableSats, pendingChangeSats, totalSats: spendableSats + pendingChangeSats }
}
