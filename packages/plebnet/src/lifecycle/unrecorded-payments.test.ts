import { describe, expect, it } from 'vitest'
import { initialLifecycle, type LifecycleState, type PurchaseItem } from './state.ts'
import { dowryPurpose, heirPurpose, unrecordedPayments } from './unrecorded-payments.ts'

const ITEM: PurchaseItem = {
  id: 'p0',
  provider: 'bluecloud',
  option: 'KVM Basic',
  priceSats: 10_000n,
  stage: 'installed',
  purchaseId: 'abc',
  txid: 'aa'.repeat(32),
  ip: '10.77.1.5',
  leaseEndMs: null,
  childTree: 'root.0',
  childIndex: 0,
  attempts: 0,
  nextTryMs: 0,
  sinceMs: 0,
}

function stateWith(items: readonly PurchaseItem[], extra: Partial<LifecycleState> = {}): LifecycleState {
  return { ...initialLifecycle(0, 1_000_000), items, ...extra }
}

describe('unrecordedPayments', () => {
  it('adopts the dowry of an installed child that the wallet paid', () => {
    const payments = [{ purpose: 'dowry root.0', txid: 'd1', failed: false }]
    expect(unrecordedPayments(stateWith([ITEM]), payments)).toEqual([
      { kind: 'dowry-paid', itemId: 'p0', txid: 'd1' },
    ])
  })

  it('adopts the current hand-over that spent every coin, and only that one', () => {
    const payments = [
      { purpose: 'heir sweep', txid: 'h0', failed: false },
      { purpose: 'heir sweep 1', txid: 'h1', failed: false },
    ]
    expect(unrecordedPayments(stateWith([]), payments)).toEqual([{ kind: 'heir-paid', txid: 'h0' }])
    expect(unrecordedPayments(stateWith([], { heirSweeps: 1, heirPaid: true }), payments)).toEqual([
      { kind: 'heir-paid', txid: 'h1' },
    ])
    expect(unrecordedPayments(stateWith([], { heirSweeps: 2, heirPaid: true }), payments)).toEqual([])
  })

  it('adopts nothing recorded already, not made, or failed', () => {
    const dowered = { ...ITEM, stage: 'dowered' as const }
    expect(
      unrecordedPayments(stateWith([dowered]), [{ purpose: 'dowry root.0', txid: 'd1', failed: false }]),
    ).toEqual([])
    expect(unrecordedPayments(stateWith([ITEM]), [])).toEqual([])
    expect(
      unrecordedPayments(stateWith([ITEM]), [
        { purpose: 'dowry root.0', txid: 'd1', failed: true },
        { purpose: 'heir sweep', txid: 'h0', failed: true },
      ]),
    ).toEqual([])
  })

  it('names one purpose per child and per hand-over', () => {
    expect(dowryPurpose(ITEM)).toBe('dowry root.0')
    expect(dowryPurpose({ ...ITEM, childTree: null })).toBe('dowry p0')
    expect([heirPurpose(0), heirPurpose(1)]).toEqual(['heir sweep', 'heir sweep 1'])
  })
})
