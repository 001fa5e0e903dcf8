import { describe, expect, it } from 'vitest'
import { LifecycleStatusSchema, lifecycleStatusOf } from './lifecycle-status.ts'
import { applyOutcome } from './outcome.ts'
import { initialLifecycle, type TickPolicy } from './state.ts'
import { decideTick } from './tick.ts'

const POLICY: TickPolicy = {
  sweepBeforeMs: 3_600_000,
  stopBuyingBeforeMs: 86_400_000,
  maxInstallAttempts: 5,
  dowryPercent: 50n,
  maxProviderFailures: 3,
  feeReserveSats: 5_000n,
}

describe('lifecycle status', () => {
  it('says honestly that nothing is earned and no market is seen, and projects children from coins alone', () => {
    const fresh = lifecycleStatusOf(initialLifecycle(0, 30 * 86_400_000), 0n, 0, 'NO_OFFER', POLICY)
    expect(fresh.earning).toBe('not earning')
    expect(fresh.market).toBe('no market')
    expect(fresh.lifeExpectancy).toBeNull()
    expect(fresh.stopBuyingAtMs).toBe(29 * 86_400_000)
    expect(fresh.sweepAtMs).toBe(30 * 86_400_000 - 3_600_000)
    const step = decideTick(
      initialLifecycle(0, 30 * 86_400_000),
      {
        nowMs: 0,
        spendableSats: 100_000n,
        chosen: { provider: 'p', option: 'o', priceSats: 20_000n },
        hasHeir: false,
      },
      POLICY,
    )
    const paid = applyOutcome(
      step.state,
      { kind: 'bought', itemId: 'p0', purchaseId: 'x', txid: 'a'.repeat(64) },
      1,
      POLICY,
    )
    const s = lifecycleStatusOf(paid, 75_000n, 86_400_000, 'WAITING', POLICY)
    // C = ceil(20000 · 1.15) = 23000; 75000 sats buy 3 more.
    expect(s.lifeExpectancy).toEqual({ childrenAffordable: '3', viable: true, daysLeft: 29 })
    expect(s.pending).toBe(1)
    expect(LifecycleStatusSchema.parse(s)).toEqual(s)
  })
})
