import { noCheckpoint, type AbortOptions, type Checkpoint, type Clock, type Logger } from '@dolly/base'
import { WalletError } from '../errors.ts'
import type { ChainBackend, PaymentRecord, WalletStore } from '../ports.ts'

/** What reconciliation reads and writes. */
export interface ReconcileContext {
  readonly chain: ChainBackend
  readonly store: WalletStore
  readonly clock: Clock
  readonly log: Logger
  readonly minConfirmations: number
}

/**
 * Settles pending payments against the chain after a restart or a lost reply (STYLE.md §1.7):
 * - the node knows the transaction: record its confirmations;
 * - it does not, and every input is still unspent: re-send the identical signed transaction, which cannot
 *   pay twice because it spends the same coins;
 * - it does not, and an input is gone: another transaction spent it, so this payment can never confirm.
 *
 * `unspentOutpoints` is read lazily, once, and only when a payment is unknown to the node.
 */
export async function reconcilePayments(
  ctx: ReconcileContext,
  pending: readonly PaymentRecord[],
  unspentOutpoints: () => Promise<ReadonlySet<string>>,
  opts: AbortOptions,
): Promise<readonly PaymentRecord[]> {
  const { chain, store, clock, log } = ctx
  let unspent: ReadonlySet<string> | undefined
  const changed: PaymentRecord[] = []
  for (const payment of pending) {
    const now = clock.nowMs()
    const tx = await chain.getTransaction(payment.txid, opts)
    if (tx !== undefined) {
      const state = tx.confirmations >= ctx.minConfirmations ? 'confirmed' : 'broadcast'
      if (state !== payment.state || tx.confirmations !== payment.confirmations) {
        store.updatePayment(payment.id, { state, confirmations: tx.confirmations, updatedAtMs: now })
        if (state === 'confirmed')
          log.info('wallet.payment_confirmed', {
            id: payment.id,
            txid: payment.txid,
            confirmations: tx.confirmations,
          })
      }
    } else {
      unspent ??= await unspentOutpoints()
      const coins = unspent
      if (payment.inputs.every((o) => coins.has(o))) {
        const result = await chain.broadcast(payment.txHex, opts)
        if (result.kind === 'accepted') {
          store.updatePayment(payment.id, { state: 'broadcast', confirmations: 0, updatedAtMs: now })
          log.info('wallet.payment_rebroadcast', { id: payment.id, txid: payment.txid })
        } else {
          store.updatePayment(payment.id, {
            state: 'failed',
            confirmations: 0,
            updatedAtMs: now,
            failureReason: result.reason,
          })
          log.warn('wallet.payment_failed', { id: payment.id, reason: result.reason })
        }
      } else {
        store.updatePayment(payment.id, {
          state: 'failed',
          confirmations: 0,
          updatedAtMs: now,
          failureReason: 'an input was spent by another transaction',
        })
        log.warn('wallet.payment_conflicted', { id: payment.id, txid: payment.txid })
      }
    }
    const after = store.getPayment(payment.id)
    if (after !== undefined) changed.push(after)
  }
  return changed
}

/**
 * Records the signed payment as an intent, then broadcasts it exactly once. A lost reply leaves the
 * intent `signed` for {@link reconcilePayments}; a rejection marks it `failed`.
 *
 * @throws WalletError WALLET_BACKEND_DOWN (outcome unknown), WALLET_BROADCAST_REJECTED (nothing paid)
 */
export async function broadcastOnce(
  ctx: Pick<ReconcileContext, 'chain' | 'store' | 'clock' | 'log'> & { readonly checkpoint?: Checkpoint },
  record: PaymentRecord,
  opts: AbortOptions,
): Promise<PaymentRecord> {
  const { chain, store, clock, log } = ctx
  const checkpoint = ctx.checkpoint ?? noCheckpoint
  // The intent is durable before anything leaves the process: a crash from here on is reconciled.
  store.insertPayment(record)
  log.info('wallet.payment_signed', {
    id: record.id,
    txid: record.txid,
    toAddress: record.toAddress,
    amountSats: record.amountSats,
    feeSats: record.feeSats,
    purpose: record.purpose,
  })
  checkpoint('wallet-insert')
  let result
  try {
    result = await chain.broadcast(record.txHex, opts)
  } catch (err) {
    log.warn('wallet.broadcast_unknown', { id: record.id, txid: record.txid })
    throw new WalletError(
      'WALLET_BACKEND_DOWN',
      `payment ${record.txid} is signed but the broadcast outcome is unknown; do NOT pay again: the wallet re-checks it on the next start (\`plebnet wallet history\`)`,
      { paymentId: record.id, txid: record.txid },
      { cause: err },
    )
  }
  // The node has (or refused) the transaction and the record still says `signed`.
  checkpoint('broadcast')
  const now = clock.nowMs()
  if (result.kind === 'rejected') {
    store.updatePayment(record.id, {
      state: 'failed',
      confirmations: 0,
      updatedAtMs: now,
      failureReason: result.reason,
    })
    log.warn('wallet.broadcast_rejected', { id: record.id, reason: result.reason })
    throw new WalletError(
      'WALLET_BROADCAST_REJECTED',
      `the node rejected payment ${record.txid}: ${result.reason}; nothing was paid`,
      {
        paymentId: record.id,
        reason: result.reason,
      },
    )
  }
  store.updatePayment(record.id, { state: 'broadcast', confirmations: 0, updatedAtMs: now })
  log.info('wallet.payment_broadcast', {
    id: record.id,
    txid: record.txid,
    amountSats: record.amountSats,
    feeSats: record.feeSats,
  })
  return store.getPayment(record.id) ?? record
}
