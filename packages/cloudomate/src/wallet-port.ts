/** Adapts @dolly/wallet's wallet service to cloudomate's narrow `PaymentWallet` port. */
import type { Wallet } from '@dolly/wallet'
import type { PaymentWallet } from './ports.ts'

/**
 * Wraps a @dolly/wallet wallet. Its own payment journal records the signed intent before the single
 * broadcast; cloudomate's purchase journal decides whether to call it at all.
 */
export function paymentWalletFrom(wallet: Wallet): PaymentWallet {
  return {
    network: wallet.network,
    balanceSats: async (options) => (await wallet.balance(options)).spendableSats,
    pay: async (request, options) => {
      const record = await wallet.send(
        {
          to: request.address,
          amountSats: request.amountSats,
          purpose: `${request.purpose} [${request.idempotencyKey}]`,
        },
        options,
      )
      return { txid: record.txid }
    },
    payments: async () =>
      wallet.history().payments.map((p) => ({
        txid: p.txid,
        toAddress: p.toAddress,
        amountSats: p.amountSats,
        createdAtMs: p.createdAtMs,
      })),
  }
}
