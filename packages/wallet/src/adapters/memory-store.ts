import { WalletError } from '../errors.ts'
import type { PaymentRecord, PaymentState, ReceiptRecord, WalletStore } from '../ports.ts'

/**
 * The wallet's journal in memory: the same contract as the SQLite store (wallet-store.contract.ts
 * runs both), for agents whose whole life is one process: the fleet simulator's, tests'. Nothing
 * survives the process, so a real agent never uses it (its journal must outlive a kill -9).
 *
 * Records are frozen copies; lists come out in the SQLite store's order (payments by creation time
 * then id, receipts by height then outpoint).
 */
export function createMemoryWalletStore(): WalletStore {
  const payments = new Map<string, PaymentRecord>()
  const receipts = new Map<string, ReceiptRecord>()
  const numbers = new Map<string, number>()
  /** Sorted lists, rebuilt on the first read after a change (the wallet lists far more than it writes). */
  let paymentList: readonly PaymentRecord[] | undefined
  let receiptList: readonly ReceiptRecord[] | undefined
  let closed = false

  const open = (): void => {
    if (closed) throw new WalletError('WALLET_OPTION_INVALID', 'the in-memory wallet store is closed', {})
  }

  return {
    insertPayment(p) {
      open()
      if (payments.has(p.id))
        throw new WalletError(
          'WALLET_JOURNAL_CORRUPT',
          `payment ${p.id} is already in the wallet journal; a payment intent is written once`,
          { id: p.id },
        )
      payments.set(p.id, Object.freeze({ ...p, inputs: Object.freeze([...p.inputs]) }))
      paymentList = undefined
    },
    updatePayment(
      id,
      patch: { state: PaymentState; confirmations: number; updatedAtMs: number; failureReason?: string },
    ) {
      open()
      const known = payments.get(id)
      if (known === undefined) return
      const { failureReason: _dropped, ...rest } = known
      payments.set(
        id,
        Object.freeze({
          ...rest,
          state: patch.state,
          confirmations: patch.confirmations,
          updatedAtMs: patch.updatedAtMs,
          ...(patch.failureReason === undefined ? {} : { failureReason: patch.failureReason }),
        }),
      )
      paymentList = undefined
    },
    getPayment(id) {
      open()
      return payments.get(id)
    },
    listPayments() {
      open()
      paymentList ??= Object.freeze(
        [...payments.values()].sort((a, b) =>
          a.createdAtMs !== b.createdAtMs ? a.createdAtMs - b.createdAtMs : compare(a.id, b.id),
        ),
      )
      return paymentList
    },
    upsertReceipts(list: readonly ReceiptRecord[]) {
      open()
      let added = 0
      for (const r of list) {
        if (receipts.has(r.outpoint)) continue
        receipts.set(r.outpoint, Object.freeze({ ...r }))
        added++
      }
      if (added > 0) receiptList = undefined
      return added
    },
    listReceipts() {
      open()
      receiptList ??= Object.freeze(
        [...receipts.values()].sort((a, b) =>
          a.height !== b.height ? a.height - b.height : compare(a.outpoint, b.outpoint),
        ),
      )
      return receiptList
    },
    getNumber(key) {
      open()
      return numbers.get(key)
    },
    setNumber(key, value) {
      open()
      if (!Number.isSafeInteger(value))
        throw new WalletError(
          'WALLET_OPTION_INVALID',
          `wallet store value ${key} must be an integer, got ${value}`,
          {
            key,
          },
        )
      numbers.set(key, value)
    },
    close() {
      closed = true
    },
  }
}

/** SQLite's default (binary) text order. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
