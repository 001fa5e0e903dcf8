/** Adapts @dolly/wallet's wallet service to cloudomate's narrow `PaymentWallet` port. */
import type { PaymentRecord, Wallet } from '@dolly/wallet'
import type { PaymentWallet, WalletPayment } from './ports.ts'

/** How far a payment got, for choosing among several records under one key (higher is further). */
const PROGRESS: Readonly<Record<PaymentRecord['state'], number>> = {
  failed: 0,
  signed: 1,
  broadcast: 2,
  confirmed: 3,
}

/** The wallet purpose carrying `idempotencyKey`: the key is stored with the signed record, in brackets at the end. */
export function keyedPurpose(purpose: string, idempotencyKey: string): string {
  return `${purpose} [${idempotencyKey}]`
}

function furthest(records: readonly PaymentRecord[]): PaymentRecord | undefined {
  let best: PaymentRecord | undefined
  for (const r of records) if (best === undefined || PROGRESS[r.state] > PROGRESS[best.state]) best = r
  return best
}

/**
 * Wraps a @dolly/wallet wallet. Its own payment journal records the signed intent, with the
 * idempotency key in its purpose, before the single broadcast; cloudomate's purchase journal decides
 * whether to call it at all, and settles a crashed `paying` from the wallet's record under that key.
 */
export function paymentWalletFrom(wallet: Wallet): PaymentWallet {
  const byKey = (key: string): PaymentRecord | undefined => {
    const suffix = ` [${key}]`
    return furthest(wallet.history().payments.filter((p) => p.purpose.endsWith(suffix)))
  }
  return {
    network: wallet.network,
    balanceSats: async (options) => (await wallet.balance(options)).spendableSats,
    pay: async (request, options) => {
      const record = await wallet.send(
        {
          to: request.address,
          amountSats: request.amountSats,
          purpose: keyedPurpose(request.purpose, request.idempotencyKey),
        },
        options,
      )
      return { txid: record.txid }
    },
    paymentByKey: async (key, options) => {
      let found = byKey(key)
      // A signed record's broadcast outcome is unknown: the wallet settles it against the chain
      // (re-sends the identical transaction or marks it failed) before anyone decides on it.
      if (found?.state === 'signed') {
        await wallet.reconcile(options)
        found = byKey(key)
      }
      return found === undefined ? undefined : toWalletPayment(found)
    },
  }
}

function toWalletPayment(p: PaymentRecord): WalletPayment {
  return {
    txid: p.txid,
    toAddress: p.toAddress,
    amountSats: p.amountSats,
    createdAtMs: p.createdAtMs,
    state: p.state,
  }
}
