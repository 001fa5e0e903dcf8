import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { applyOutcome, startInstall } from './outcome.ts'
import {
  DOWRY_RETRY_MS,
  VPN_MAX_POLLS,
  VPN_MAX_WAIT_MS,
  initialLifecycle,
  leaseWindows,
  type EffectOutcome,
  type LifecycleState,
  type TickEffect,
  type TickInputs,
  type TickPolicy,
} from './state.ts'
import { decideTick } from './tick.ts'

const DAY_MS = 86_400_000
const POLICY: TickPolicy = {
  sweepBeforeMs: 3_600_000,
  stopBuyingBeforeMs: DAY_MS,
  maxInstallAttempts: 5,
  dowryPercent: 50n,
  maxProviderFailures: 3,
  feeReserveSats: 5_000n,
}
const OFFER = { provider: 'bluecloud', option: 'Starter', priceSats: 20_000n }
const VPN = { provider: 'mullvad', option: 'Mullvad VPN, 1 month', priceSats: 10_000n }

function inputs(nowMs: number, spendableSats: bigint, extra: Partial<TickInputs> = {}): TickInputs {
  return { nowMs, spendableSats, chosen: OFFER, hasHeir: false, ...extra }
}

/** A state whose first purchase p0 (child a.0) is installed at world ms 60,030, its dowry not yet paid. */
function installedChild(): LifecycleState {
  let s = decideTick(initialLifecycle(0, 30 * DAY_MS), inputs(0, 100_000n), POLICY).state
  s = applyOutcome(s, { kind: 'bought', itemId: 'p0', purchaseId: 'x', txid: 'a'.repeat(64) }, 10, POLICY)
  s = applyOutcome(s, { kind: 'active', itemId: 'p0', ip: '10.77.1.5' }, 60_010, POLICY)
  s = startInstall(s, 'p0')
  s = applyOutcome(s, { kind: 'installed', itemId: 'p0', childTree: 'a.0', childIndex: 0 }, 60_030, POLICY)
  return s
}

describe('decideTick', () => {
  it('journals a purchase intent and buys when the wallet covers the price', () => {
    const step = decideTick(initialLifecycle(0, 30 * DAY_MS), inputs(1000, 100_000n), POLICY)
    expect(step.effect).toEqual({ kind: 'buy', itemId: 'p0' })
    expect(step.state.items).toHaveLength(1)
    expect(step.state.items[0]?.stage).toBe('buying')
  })

  it('waits when the wallet cannot cover the price (which carries its fee reserve), and buys at exactly it', () => {
    const step = decideTick(initialLifecycle(0, 30 * DAY_MS), inputs(1000, 19_999n), POLICY)
    expect(step.effect).toEqual({ kind: 'idle', reason: 'FUNDS_LOW' })
    expect(step.state.items).toHaveLength(0)
    // The offer's price already holds the payment's fee reserve (offers.ts): no second reserve on top.
    expect(decideTick(initialLifecycle(0, 30 * DAY_MS), inputs(1000, 20_000n), POLICY).effect).toEqual({
      kind: 'buy',
      itemId: 'p0',
    })
  })

  it('resumes an unfinished purchase instead of starting a second one', () => {
    const first = decideTick(initialLifecycle(0, 30 * DAY_MS), inputs(1000, 100_000n), POLICY)
    const again = decideTick(first.state, inputs(2000, 100_000n), POLICY)
    expect(again.effect).toEqual({ kind: 'buy', itemId: 'p0' })
    expect(again.state.items).toHaveLength(1)
  })

  it('walks bought → active → installing → installed → dowered', () => {
    let s = decideTick(initialLifecycle(0, 30 * DAY_MS), inputs(0, 100_000n), POLICY).state
    s = applyOutcome(s, { kind: 'bought', itemId: 'p0', purchaseId: 'x', txid: 'a'.repeat(64) }, 10, POLICY)
    expect(decideTick(s, inputs(10, 70_000n), POLICY).effect).toEqual({ kind: 'check-active', itemId: 'p0' })
    s = applyOutcome(s, { kind: 'pending', itemId: 'p0', status: 'Pending' }, 10, POLICY)
    expect(decideTick(s, inputs(20, 70_000n), POLICY).effect).toEqual({ kind: 'idle', reason: 'WAITING' })
    s = applyOutcome(s, { kind: 'active', itemId: 'p0', ip: '10.77.1.5' }, 60_010, POLICY)
    expect(decideTick(s, inputs(60_010, 70_000n), POLICY).effect).toEqual({ kind: 'install', itemId: 'p0' })
    s = startInstall(s, 'p0')
    expect(decideTick(s, inputs(60_020, 70_000n), POLICY).effect).toEqual({ kind: 'install', itemId: 'p0' })
    s = applyOutcome(s, { kind: 'installed', itemId: 'p0', childTree: 'a.0', childIndex: 0 }, 60_030, POLICY)
    expect(decideTick(s, inputs(60_030, 70_000n), POLICY).effect).toEqual({
      kind: 'dowry',
      itemId: 'p0',
      amountSats: 32_500n,
    })
    s = applyOutcome(s, { kind: 'dowry-paid', itemId: 'p0', txid: 'b'.repeat(64) }, 60_040, POLICY)
    expect(s.items[0]?.stage).toBe('dowered')
    expect(decideTick(s, inputs(60_040, 30_000n), POLICY).effect).toEqual({ kind: 'buy', itemId: 'p1' })
  })

  it('holds a dowry below the dust limit back (the chain would refuse it) and still buys', () => {
    const s = installedChild()
    // (10 880 − 5 000) · 50 % = 2 940: exactly the world's p2wpkh dust limit is paid, a sat less is not.
    expect(decideTick(s, inputs(60_030, 10_880n, { minPaymentSats: 2_940n }), POLICY).effect).toEqual({
      kind: 'dowry',
      itemId: 'p0',
      amountSats: 2_940n,
    })
    expect(decideTick(s, inputs(60_030, 10_878n, { minPaymentSats: 2_940n }), POLICY).effect).toEqual({
      kind: 'idle',
      reason: 'FUNDS_LOW',
    })
    // The child waits for its dowry; the parent buys its next child when it can.
    expect(decideTick(s, inputs(60_030, 100_000n, { minPaymentSats: 200_000n }), POLICY).effect).toEqual({
      kind: 'buy',
      itemId: 'p1',
    })
  })

  it('defers a dowry the wallet found too costly to send, goes on meanwhile, and tries it again later', () => {
    let s = installedChild()
    expect(decideTick(s, inputs(60_030, 12_000n), POLICY).effect).toMatchObject({
      kind: 'dowry',
      itemId: 'p0',
    })
    const reason = 'fee 4884 sats is more than 100% of the 3763 sats amount'
    s = applyOutcome(s, { kind: 'dowry-deferred', itemId: 'p0', reason }, 60_040, POLICY)
    expect(s.items[0]?.stage).toBe('installed')
    expect(s.events.at(-1)).toEqual({
      atMs: 60_040,
      kind: 'dowry-deferred',
      text: `dowry to a.0 deferred: ${reason}`,
    })
    // Until the retry time the tick does not try the dowry again (it idles here, below the next price)...
    expect(decideTick(s, inputs(60_040 + DOWRY_RETRY_MS - 1, 12_000n), POLICY).effect).toEqual({
      kind: 'idle',
      reason: 'FUNDS_LOW',
    })
    // ...then it does; a second deferral in a row adds no second event.
    expect(decideTick(s, inputs(60_040 + DOWRY_RETRY_MS, 12_000n), POLICY).effect).toMatchObject({
      kind: 'dowry',
    })
    const again = applyOutcome(
      s,
      { kind: 'dowry-deferred', itemId: 'p0', reason },
      60_040 + DOWRY_RETRY_MS,
      POLICY,
    )
    expect(again.events).toEqual(s.events)
    expect(again.items[0]?.nextTryMs).toBe(60_040 + 2 * DOWRY_RETRY_MS)
    s = applyOutcome(
      again,
      { kind: 'dowry-paid', itemId: 'p0', txid: 'b'.repeat(64) },
      60_040 + 2 * DOWRY_RETRY_MS,
      POLICY,
    )
    expect(s.items[0]?.stage).toBe('dowered')
  })

  it('excludes a provider after its third consecutive failure', () => {
    let s = initialLifecycle(0, 30 * DAY_MS)
    for (let n = 0; n < 3; n++) {
      const step = decideTick(s, inputs(n, 100_000n), POLICY)
      s = applyOutcome(step.state, { kind: 'buy-failed', itemId: `p${n}`, reason: 'SHOP' }, n, POLICY)
    }
    expect(s.excludedProviders).toEqual(['bluecloud'])
  })

  it('stops buying in the last day and sends the rest to the heir in the last hour', () => {
    const s = initialLifecycle(0, 30 * DAY_MS)
    expect(decideTick(s, inputs(30 * DAY_MS - DAY_MS + 1, 100_000n), POLICY).effect).toEqual({
      kind: 'idle',
      reason: 'LEASE_ENDING',
    })
    const late = 30 * DAY_MS - 60_000
    expect(decideTick(s, inputs(late, 100_000n), POLICY).effect).toEqual({
      kind: 'idle',
      reason: 'LEASE_ENDING',
    })
    expect(decideTick(s, inputs(late, 100_000n, { hasHeir: true }), POLICY).effect).toEqual({
      kind: 'pay-heir',
      amountSats: 100_000n,
      sweep: 0,
    })
    const paid = applyOutcome(s, { kind: 'heir-paid', txid: 'c'.repeat(64) }, late, POLICY)
    expect(decideTick(paid, inputs(late, 0n, { hasHeir: true }), POLICY).effect).toEqual({
      kind: 'idle',
      reason: 'DONE',
    })
  })

  it('sweeps before resuming an install, never while a purchase is being paid', () => {
    const end = 30 * DAY_MS
    let s = decideTick(initialLifecycle(0, end), inputs(0, 100_000n), POLICY).state
    const late = end - 60_000
    // p0 is being paid: resume the purchase, the heir waits.
    expect(decideTick(s, inputs(late, 100_000n, { hasHeir: true }), POLICY).effect).toEqual({
      kind: 'buy',
      itemId: 'p0',
    })
    s = applyOutcome(s, { kind: 'bought', itemId: 'p0', purchaseId: 'x', txid: 'a'.repeat(64) }, 10, POLICY)
    s = applyOutcome(s, { kind: 'active', itemId: 'p0', ip: '10.77.1.5' }, 20, POLICY)
    s = startInstall(s, 'p0')
    // An install in flight: the coins go first, then the install is resumed; no dowry after the sweep.
    expect(decideTick(s, inputs(late, 70_000n, { hasHeir: true }), POLICY).effect).toEqual({
      kind: 'pay-heir',
      amountSats: 70_000n,
      sweep: 0,
    })
    s = applyOutcome(s, { kind: 'heir-paid', txid: 'c'.repeat(64) }, late, POLICY)
    expect(decideTick(s, inputs(late, 0n, { hasHeir: true }), POLICY).effect).toEqual({
      kind: 'install',
      itemId: 'p0',
    })
    s = applyOutcome(s, { kind: 'installed', itemId: 'p0', childTree: 'a.0', childIndex: 0 }, late, POLICY)
    expect(decideTick(s, inputs(late, 3_000n, { hasHeir: true }), POLICY).effect).toEqual({
      kind: 'idle',
      reason: 'DONE',
    })
  })

  it('sends on coins that arrive after the hand-over, each time under its own journal purpose', () => {
    const late = 30 * DAY_MS - 60_000
    let s = applyOutcome(
      initialLifecycle(0, 30 * DAY_MS),
      { kind: 'heir-paid', txid: 'c'.repeat(64) },
      late,
      POLICY,
    )
    expect(decideTick(s, inputs(late, 0n, { hasHeir: true }), POLICY).effect).toEqual({
      kind: 'idle',
      reason: 'DONE',
    })
    // A child's own hand-over paid us 40,000 sats after ours.
    expect(decideTick(s, inputs(late + 1, 40_000n, { hasHeir: true }), POLICY).effect).toEqual({
      kind: 'pay-heir',
      amountSats: 40_000n,
      sweep: 1,
    })
    s = applyOutcome(s, { kind: 'heir-paid', txid: 'd'.repeat(64) }, late + 1, POLICY)
    expect(s.events.at(-1)?.text).toContain('more coins sent to the heir')
    // Too little to send after the fee: skipped once, tried again only when more arrives.
    s = applyOutcome(s, { kind: 'heir-skipped', reason: 'dust', heldSats: 7_000n }, late + 2, POLICY)
    expect(decideTick(s, inputs(late + 3, 7_000n, { hasHeir: true }), POLICY).effect).toEqual({
      kind: 'idle',
      reason: 'DONE',
    })
    expect(decideTick(s, inputs(late + 3, 9_000n, { hasHeir: true }), POLICY).effect).toMatchObject({
      kind: 'pay-heir',
      sweep: 2,
    })
  })

  it('installs a server bought before the sweep even after the heir was paid, and buys nothing', () => {
    const end = 30 * DAY_MS
    let s = decideTick(initialLifecycle(0, end), inputs(0, 100_000n), POLICY).state
    s = applyOutcome(s, { kind: 'bought', itemId: 'p0', purchaseId: 'x', txid: 'a'.repeat(64) }, 10, POLICY)
    const late = end - 60_000
    s = applyOutcome(s, { kind: 'heir-paid', txid: 'c'.repeat(64) }, late, POLICY)
    expect(decideTick(s, inputs(late, 4_000n, { hasHeir: true }), POLICY).effect).toEqual({
      kind: 'check-active',
      itemId: 'p0',
    })
  })
})

describe('decideTick with a VPN (AGENT.md §3.4 steps 3–9, §9)', () => {
  const WITH_VPN = { ...OFFER, vpn: VPN }
  const paid = (s: LifecycleState, now: number) =>
    applyOutcome(s, { kind: 'bought', itemId: 'p0', purchaseId: 'x', txid: 'a'.repeat(64) }, now, POLICY)

  it('stops when the wallet covers the server but not its VPN too', () => {
    const s = initialLifecycle(0, 30 * DAY_MS)
    // 20,000 + 10,000 (each price carries its own payment's fee reserve).
    expect(decideTick(s, inputs(0, 29_999n, { chosen: WITH_VPN }), POLICY).effect).toEqual({
      kind: 'idle',
      reason: 'FUNDS_LOW',
    })
    const step = decideTick(s, inputs(0, 30_000n, { chosen: WITH_VPN }), POLICY)
    expect(step.effect).toEqual({ kind: 'buy', itemId: 'p0' })
    expect(step.state.items[0]?.vpn).toMatchObject({ ...VPN, stage: 'planned', txid: null })
    // Without a VPN the same wallet buys the server alone, and the item carries none.
    const alone = decideTick(s, inputs(0, 20_000n), POLICY)
    expect(alone.effect.kind).toBe('buy')
    expect(alone.state.items[0]?.vpn).toBeUndefined()
  })

  it('buys the VPN right after the server is paid, journaling its intent, then activates it and installs', () => {
    let s = decideTick(
      initialLifecycle(0, 30 * DAY_MS),
      inputs(0, 100_000n, { chosen: WITH_VPN }),
      POLICY,
    ).state
    // Before the server is paid, the VPN waits.
    expect(decideTick(s, inputs(5, 100_000n), POLICY).effect).toEqual({ kind: 'buy', itemId: 'p0' })
    s = paid(s, 10)
    const intent = decideTick(s, inputs(10, 70_000n), POLICY)
    expect(intent.effect).toEqual({ kind: 'buy-vpn', itemId: 'p0' })
    expect(intent.state.items[0]?.vpn).toMatchObject({ stage: 'buying', sinceMs: 10 })
    s = intent.state
    // A crash before the outcome: the same VPN purchase is resumed, not a second one.
    expect(decideTick(s, inputs(11, 70_000n), POLICY)).toEqual({
      state: s,
      effect: { kind: 'buy-vpn', itemId: 'p0' },
    })
    s = applyOutcome(
      s,
      { kind: 'vpn-bought', itemId: 'p0', purchaseId: 'v', txid: 'b'.repeat(64) },
      12,
      POLICY,
    )
    expect(s.items[0]?.vpn).toMatchObject({ stage: 'paid', purchaseId: 'v', txid: 'b'.repeat(64) })
    expect(decideTick(s, inputs(12, 60_000n), POLICY).effect).toEqual({ kind: 'check-active', itemId: 'p0' })
    s = applyOutcome(s, { kind: 'active', itemId: 'p0', ip: '10.77.1.5' }, 20, POLICY)
    expect(decideTick(s, inputs(20, 60_000n), POLICY).effect).toEqual({ kind: 'check-vpn', itemId: 'p0' })
    s = applyOutcome(s, { kind: 'vpn-pending', itemId: 'p0', status: 'unpaid' }, 20, POLICY)
    expect(s.items[0]?.vpn?.polls).toBe(1)
    expect(decideTick(s, inputs(30, 60_000n), POLICY).effect).toEqual({ kind: 'idle', reason: 'WAITING' })
    s = applyOutcome(s, { kind: 'vpn-ready', itemId: 'p0' }, 60_020, POLICY)
    expect(decideTick(s, inputs(60_020, 60_000n), POLICY).effect).toEqual({ kind: 'install', itemId: 'p0' })
    expect(s.events.map((e) => e.kind)).toEqual(['buy', 'paid', 'buy-vpn', 'vpn-paid', 'active', 'vpn-ready'])
  })

  it("waits, bounded, for the server payment's change before paying the VPN: no other effect meanwhile", () => {
    let s = decideTick(
      initialLifecycle(0, 30 * DAY_MS),
      inputs(0, 100_000n, { chosen: WITH_VPN }),
      POLICY,
    ).state
    s = decideTick(paid(s, 10), inputs(10, 0n), POLICY).state
    const unfunded = { kind: 'vpn-unfunded', itemId: 'p0', spendableSats: 0n, heldSats: 70_000n } as const
    s = applyOutcome(s, unfunded, 11, POLICY)
    expect(s.items[0]?.vpn?.stage).toBe('buying')
    expect(decideTick(s, inputs(12, 0n), POLICY).effect).toEqual({ kind: 'idle', reason: 'WAITING' })
    const retry = s.items[0]?.nextTryMs ?? 0
    expect(retry).toBeGreaterThan(12)
    expect(decideTick(s, inputs(retry, 70_000n), POLICY).effect).toEqual({ kind: 'buy-vpn', itemId: 'p0' })
    // Change that is never mined: after VPN_MAX_WAIT_MS the child is installed without the VPN.
    s = applyOutcome(s, unfunded, 10 + VPN_MAX_WAIT_MS, POLICY)
    expect(s.items[0]?.vpn).toMatchObject({
      stage: 'failed',
      error: expect.stringContaining('WALLET_INSUFFICIENT_FUNDS'),
    })
  })

  it('installs without the VPN, logging the error, when buying it fails: the paid server is not lost', () => {
    let s = decideTick(
      initialLifecycle(0, 30 * DAY_MS),
      inputs(0, 100_000n, { chosen: WITH_VPN }),
      POLICY,
    ).state
    s = decideTick(paid(s, 10), inputs(10, 70_000n), POLICY).state
    s = applyOutcome(s, { kind: 'vpn-failed', itemId: 'p0', reason: 'CLOUDOMATE_API_ERROR' }, 11, POLICY)
    expect(s.items[0]).toMatchObject({ stage: 'bought', txid: 'a'.repeat(64) })
    expect(s.items[0]?.vpn).toMatchObject({ stage: 'failed', error: 'CLOUDOMATE_API_ERROR' })
    expect(s.events.at(-1)).toMatchObject({ kind: 'vpn-failed' })
    expect(s.events.at(-1)?.text).toContain('!!! VPN is not installed, child may get banned !!!')
    // The provider's failure count is the server's, which was bought: a VPN failure does not exclude it.
    expect(s.providerFailures['bluecloud']).toBe(0)
    expect(decideTick(s, inputs(11, 70_000n), POLICY).effect).toEqual({ kind: 'check-active', itemId: 'p0' })
    s = applyOutcome(s, { kind: 'active', itemId: 'p0', ip: '10.77.1.5' }, 12, POLICY)
    expect(decideTick(s, inputs(12, 70_000n), POLICY).effect).toEqual({ kind: 'install', itemId: 'p0' })
  })

  it('gives up a VPN that never activates after VPN_MAX_POLLS polls and a day, and installs without it', () => {
    let s = decideTick(
      initialLifecycle(0, 30 * DAY_MS),
      inputs(0, 100_000n, { chosen: WITH_VPN }),
      POLICY,
    ).state
    s = decideTick(paid(s, 0), inputs(0, 70_000n), POLICY).state
    s = applyOutcome(
      s,
      { kind: 'vpn-bought', itemId: 'p0', purchaseId: 'v', txid: 'b'.repeat(64) },
      0,
      POLICY,
    )
    s = applyOutcome(s, { kind: 'active', itemId: 'p0', ip: '10.77.1.5' }, 0, POLICY)
    let now = 0
    for (let n = 1; n < VPN_MAX_POLLS; n++) {
      const step = decideTick(s, inputs(now, 70_000n), POLICY)
      expect(step.effect).toEqual({ kind: 'check-vpn', itemId: 'p0' })
      s = applyOutcome(s, { kind: 'vpn-pending', itemId: 'p0', status: 'unpaid' }, now, POLICY)
      expect(s.items[0]?.vpn?.stage).toBe('paid')
      now = s.items[0]?.nextTryMs ?? now
    }
    // Ten quick polls (a world at a high time scale) are not enough: a day must have passed too.
    expect(now).toBeLessThan(VPN_MAX_WAIT_MS)
    s = applyOutcome(s, { kind: 'vpn-pending', itemId: 'p0', status: 'unpaid' }, now, POLICY)
    expect(s.items[0]?.vpn?.stage).toBe('paid')
    s = applyOutcome(s, { kind: 'vpn-pending', itemId: 'p0', status: 'unpaid' }, VPN_MAX_WAIT_MS, POLICY)
    now = VPN_MAX_WAIT_MS
    expect(s.items[0]?.vpn?.stage).toBe('failed')
    expect(s.events.at(-1)?.text).toContain('not active after 11 polls')
    expect(decideTick(s, inputs(now, 70_000n), POLICY).effect).toEqual({ kind: 'install', itemId: 'p0' })
  })

  it('retries the install without the VPN when bringing the tunnel up failed on the child', () => {
    let s = decideTick(
      initialLifecycle(0, 30 * DAY_MS),
      inputs(0, 100_000n, { chosen: WITH_VPN }),
      POLICY,
    ).state
    s = decideTick(paid(s, 0), inputs(0, 70_000n), POLICY).state
    s = applyOutcome(
      s,
      { kind: 'vpn-bought', itemId: 'p0', purchaseId: 'v', txid: 'b'.repeat(64) },
      1,
      POLICY,
    )
    s = applyOutcome(s, { kind: 'active', itemId: 'p0', ip: '10.77.1.5' }, 2, POLICY)
    s = applyOutcome(s, { kind: 'vpn-ready', itemId: 'p0' }, 3, POLICY)
    s = startInstall(s, 'p0')
    s = applyOutcome(
      s,
      { kind: 'vpn-failed', itemId: 'p0', reason: 'REPLICATION_VPN_FAILED: no tun' },
      4,
      POLICY,
    )
    // Still installing, not a failed attempt: the next run installs the same server without the VPN.
    expect(s.items[0]).toMatchObject({ stage: 'installing', attempts: 0, vpn: { stage: 'failed' } })
    expect(decideTick(s, inputs(5, 70_000n), POLICY).effect).toEqual({ kind: 'install', itemId: 'p0' })
  })

  it('drops the planned VPN of a server whose purchase failed', () => {
    const step = decideTick(
      initialLifecycle(0, 30 * DAY_MS),
      inputs(0, 100_000n, { chosen: WITH_VPN }),
      POLICY,
    )
    const s = applyOutcome(step.state, { kind: 'buy-failed', itemId: 'p0', reason: 'SHOP' }, 1, POLICY)
    expect(s.items[0]?.vpn).toBeUndefined()
    expect(decideTick(s, inputs(2, 100_000n, { chosen: WITH_VPN }), POLICY).effect).toEqual({
      kind: 'buy',
      itemId: 'p1',
    })
  })
})

describe('leaseWindows', () => {
  it('keeps the configured hour and day at real time', () => {
    expect(leaseWindows({ sweepBeforeMs: 3_600_000, liquidateBeforeMs: DAY_MS }, 1)).toEqual({
      sweepBeforeMs: 3_600_000,
      stopBuyingBeforeMs: DAY_MS,
    })
  })

  it('widens them to 20 s and 90 s more of real time at a high time scale', () => {
    // 3600 world s per real s: 20 real s are 20 world hours, 90 more are 90 world hours.
    expect(leaseWindows({ sweepBeforeMs: 3_600_000, liquidateBeforeMs: DAY_MS }, 3600)).toEqual({
      sweepBeforeMs: 72_000_000,
      stopBuyingBeforeMs: 396_000_000,
    })
  })
})

/** A model run: random outcomes for whatever the core asks, with random "crashes" that replay the last decision. */
const outcomeFor = (effect: TickEffect, pick: number, now: number): EffectOutcome | undefined => {
  switch (effect.kind) {
    case 'buy':
      return pick % 3 === 0
        ? { kind: 'buy-failed', itemId: effect.itemId, reason: 'X' }
        : { kind: 'bought', itemId: effect.itemId, purchaseId: `id${now}`, txid: 'd'.repeat(64) }
    case 'check-active':
      return pick % 2 === 0
        ? { kind: 'pending', itemId: effect.itemId, status: 'Pending' }
        : { kind: 'active', itemId: effect.itemId, ip: '10.77.0.9' }
    case 'install':
      return pick % 4 === 0
        ? { kind: 'install-failed', itemId: effect.itemId, reason: 'SSH' }
        : { kind: 'installed', itemId: effect.itemId, childTree: `r.${now}`, childIndex: now }
    case 'dowry':
      return { kind: 'dowry-paid', itemId: effect.itemId, txid: 'e'.repeat(64) }
    case 'pay-heir':
      return pick % 5 === 0
        ? { kind: 'heir-skipped', reason: 'dust', heldSats: 4_000n }
        : { kind: 'heir-paid', txid: 'f'.repeat(64) }
    case 'buy-vpn':
      return pick % 3 === 0
        ? { kind: 'vpn-failed', itemId: effect.itemId, reason: 'SHOP' }
        : { kind: 'vpn-bought', itemId: effect.itemId, purchaseId: `v${now}`, txid: '9'.repeat(64) }
    case 'check-vpn':
      return pick % 2 === 0
        ? { kind: 'vpn-pending', itemId: effect.itemId, status: 'unpaid' }
        : { kind: 'vpn-ready', itemId: effect.itemId }
    case 'idle':
      return undefined
  }
}

describe('the lifecycle state machine (model-based)', () => {
  it('never has two purchases in flight, never re-buys or re-installs a finished item, and never buys after the heir was paid', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            pick: fc.nat(11),
            crash: fc.boolean(),
            advanceMs: fc.integer({ min: 0, max: 4 * 3_600_000 }),
            funds: fc.bigInt({ min: 0n, max: 200_000n }),
          }),
          {
            maxLength: 120,
          },
        ),
        (script) => {
          let s: LifecycleState = initialLifecycle(0, 10 * DAY_MS)
          let now = 0
          const finished = new Set<string>()
          for (const { pick, crash, advanceMs, funds } of script) {
            now += advanceMs
            const itemsBefore = s.items.length
            const chosen = pick % 3 === 1 ? { ...OFFER, vpn: VPN } : OFFER
            const step = decideTick(s, inputs(now, funds, { hasHeir: pick % 2 === 0, chosen }), POLICY)
            if (s.heirPaid) expect(step.state.items.length).toBe(itemsBefore)
            s = step.state
            const effect = step.effect
            if (effect.kind === 'buy' || effect.kind === 'install')
              expect(finished.has(effect.itemId)).toBe(false)
            if (effect.kind === 'dowry') expect(effect.amountSats).toBeLessThanOrEqual(funds)
            if (effect.kind === 'pay-heir') expect(s.items.some((i) => i.stage === 'buying')).toBe(false)
            const target = 'itemId' in effect ? s.items.find((i) => i.id === effect.itemId) : undefined
            // A VPN is bought once, only after its server is paid, and never left behind by the install.
            if (effect.kind === 'buy-vpn') {
              expect(target?.txid).not.toBeNull()
              expect(target?.vpn?.stage).toBe('buying')
            }
            if (effect.kind === 'install' && target?.vpn !== undefined)
              expect(['ready', 'failed']).toContain(target.vpn.stage)
            if (effect.kind === 'install') s = startInstall(s, effect.itemId)
            if (crash) continue // the effect's outcome was lost; the journaled state is replayed next time
            const outcome = outcomeFor(effect, pick, now)
            if (outcome === undefined) continue
            s = applyOutcome(s, outcome, now, POLICY)
            for (const i of s.items)
              if (i.stage === 'installed' || i.stage === 'dowered' || i.stage === 'failed') finished.add(i.id)
            const inFlight = s.items.filter((i) => i.stage === 'buying' || i.stage === 'installing')
            expect(inFlight.length).toBeLessThanOrEqual(1)
            const open = s.items.filter(
              (i) => i.stage === 'buying' || i.stage === 'bought' || i.stage === 'installing',
            )
            expect(open.length).toBeLessThanOrEqual(1)
          }
        },
      ),
      { numRuns: 300 },
    )
  })
})
