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
    expect(s.lifeExpectancy).toEqual({
      childrenAffordable: '3',
      viable: true,
      daysLeft: 29,
      replicationCostSats: '23000',
    })
    expect(s.pending).toBe(1)
    expect(s.vpnBought).toEqual([])
    expect(LifecycleStatusSchema.parse(s)).toEqual(s)
  })

  it('lists the VPNs bought (vpn_bought) and counts their price in the replication cost', () => {
    const step = decideTick(
      initialLifecycle(0, 30 * 86_400_000),
      {
        nowMs: 0,
        spendableSats: 100_000n,
        chosen: {
          provider: 'p',
          option: 'o',
          priceSats: 10_000n,
          vpn: { provider: 'mullvad', option: 'm', priceSats: 10_000n },
        },
        hasHeir: false,
      },
      POLICY,
    )
    // Only planned: nothing bought yet.
    expect(lifecycleStatusOf(step.state, 0n, 0, null, POLICY).vpnBought).toEqual([])
    let s = applyOutcome(
      step.state,
      { kind: 'bought', itemId: 'p0', purchaseId: 'x', txid: 'a'.repeat(64) },
      1,
      POLICY,
    )
    s = decideTick(s, { nowMs: 1, spendableSats: 80_000n, chosen: undefined, hasHeir: false }, POLICY).state
    s = applyOutcome(
      s,
      { kind: 'vpn-bought', itemId: 'p0', purchaseId: 'v', txid: 'b'.repeat(64) },
      2,
      POLICY,
    )
    const status = lifecycleStatusOf(s, 75_000n, 86_400_000, 'WAITING', POLICY)
    expect(status.vpnBought).toEqual([
      {
        provider: 'mullvad',
        option: 'm',
        stage: 'paid',
        txid: 'b'.repeat(64),
        server: 'p/o',
        childTree: null,
      },
    ])
    // C = ceil((10000 + 10000) · 1.15) = 23000, as for a 20,000 sats server alone.
    expect(status.lifeExpectancy?.childrenAffordable).toBe('3')
    expect(LifecycleStatusSchema.parse(status)).toEqual(status)
  })
})
