import { describe, expect, it } from 'vitest'
import type { PaymentRecord, ReceiptRecord, WalletStore } from '@dolly/wallet'

const payment = (id: string, createdAtMs: number, extra: Partial<PaymentRecord> = {}): PaymentRecord => ({
  id,
  txid: 'ab'.repeat(32),
  txHex: '0200',
  toAddress: 'bcrt1qexample',
  amountSats: 12_345n,
  feeSats: 210n,
  changeSats: 9_000n,
  purpose: 'dowry',
  inputs: ['cd'.repeat(32) + ':1'],
  state: 'signed',
  confirmations: 0,
  createdAtMs,
  updatedAtMs: createdAtMs,
  ...extra,
})

const receipt = (outpoint: string, height: number): ReceiptRecord => ({
  outpoint,
  address: 'bcrt1qexample',
  valueSats: 50_000n,
  height,
  firstSeenMs: 1_000,
})

/**
 * The WalletStore contract (STYLE.md §4): the SQLite journal of a real agent and the in-memory one
 * of the fleet simulator behave the same way as the wallet sees them.
 */
export function walletStoreContract(name: string, open: () => WalletStore): void {
  describe(`WalletStore contract: ${name}`, () => {
    it('keeps a payment intent as written, bigints and optional fields included', () => {
      const s = open()
      s.insertPayment(payment('p1', 10, { changeIndex: 3 }))
      s.insertPayment(payment('p2', 11))
      expect(s.getPayment('p1')).toEqual(payment('p1', 10, { changeIndex: 3 }))
      expect(s.getPayment('p2')).toEqual(payment('p2', 11))
      expect(s.getPayment('p2')).not.toHaveProperty('changeIndex')
      expect(s.getPayment('missing')).toBeUndefined()
      s.close()
    })

    it('refuses a second intent under the same id and keeps the first', () => {
      const s = open()
      s.insertPayment(payment('p1', 10))
      expect(() => s.insertPayment(payment('p1', 20, { amountSats: 1n }))).toThrow()
      expect(s.listPayments()).toEqual([payment('p1', 10)])
      s.close()
    })

    it('moves a payment on: state, confirmations, time; a failure reason is set and cleared', () => {
      const s = open()
      s.insertPayment(payment('p1', 10))
      s.updatePayment('p1', { state: 'failed', confirmations: 0, updatedAtMs: 20, failureReason: 'conflict' })
      expect(s.getPayment('p1')).toMatchObject({
        state: 'failed',
        updatedAtMs: 20,
        failureReason: 'conflict',
      })
      s.updatePayment('p1', { state: 'confirmed', confirmations: 2, updatedAtMs: 30 })
      const p = s.getPayment('p1')
      expect(p).toMatchObject({ state: 'confirmed', confirmations: 2, updatedAtMs: 30, createdAtMs: 10 })
      expect(p).not.toHaveProperty('failureReason')
      expect(p?.amountSats).toBe(12_345n)
      // An update of an unknown id changes nothing.
      s.updatePayment('nope', { state: 'confirmed', confirmations: 1, updatedAtMs: 40 })
      expect(s.listPayments().map((x) => x.id)).toEqual(['p1'])
      s.close()
    })

    it('lists payments by creation time, then id; a list taken before a change does not change', () => {
      const s = open()
      s.insertPayment(payment('b', 20))
      s.insertPayment(payment('c', 10))
      s.insertPayment(payment('a', 20))
      const before = s.listPayments()
      expect(before.map((p) => p.id)).toEqual(['c', 'a', 'b'])
      s.updatePayment('c', { state: 'broadcast', confirmations: 0, updatedAtMs: 50 })
      expect(before[0]?.state).toBe('signed')
      expect(s.listPayments()[0]?.state).toBe('broadcast')
      s.close()
    })

    it('adds receipts once, counts only new ones, lists them by height then outpoint', () => {
      const s = open()
      expect(s.upsertReceipts([receipt('ff:0', 7), receipt('aa:1', 9), receipt('bb:0', 7)])).toBe(3)
      expect(s.upsertReceipts([receipt('aa:1', 12), receipt('cc:2', 5)])).toBe(1)
      expect(s.listReceipts().map((r) => [r.outpoint, r.height])).toEqual([
        ['cc:2', 5],
        ['bb:0', 7],
        ['ff:0', 7],
        ['aa:1', 9],
      ])
      expect(s.listReceipts()[0]?.valueSats).toBe(50_000n)
      expect(s.upsertReceipts([])).toBe(0)
      s.close()
    })

    it('keeps small numbers by key, overwriting', () => {
      const s = open()
      expect(s.getNumber('issued.receive')).toBeUndefined()
      s.setNumber('issued.receive', 3)
      s.setNumber('used.change', 0)
      s.setNumber('issued.receive', 4)
      expect(s.getNumber('issued.receive')).toBe(4)
      expect(s.getNumber('used.change')).toBe(0)
      s.close()
    })
  })
}
