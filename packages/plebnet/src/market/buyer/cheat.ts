import { BaseError } from '@dolly/base'
import type { Wallet } from '@dolly/wallet'
import { tradePurpose } from '../settlement/wallet-payer.ts'

/**
 * The world's cheating token buyers (issue 17: "some cheat: stop paying mid-trade, or never pay"):
 * `never-pay` makes no trade payment at all; `stop-paying` makes each trade's first payment and no
 * other. Everything else the wallet does is unchanged, so the cheat is seen by the seller only as
 * payments that never come: the trade engine's timeouts must catch it.
 */
export type Cheat = 'never-pay' | 'stop-paying'

/** The cheats a world user can be given. */
export const CHEATS: readonly Cheat[] = ['never-pay', 'stop-paying']

/** A trade's first payment key ends in `:1` (trade.ts: `<trade>:<role>:<n>`, n from 1). */
const FIRST_PAYMENT = /:1$/

/** `wallet`, but its trade payments obey `cheat` (they throw BASE_INVALID_OPTION instead of paying). */
export function limitPayments(wallet: Wallet, cheat: Cheat): Wallet {
  const allowed = (purpose: string): boolean => {
    if (!purpose.startsWith(tradePurpose(''))) return true
    return cheat === 'stop-paying' && FIRST_PAYMENT.test(purpose)
  }
  return {
    network: wallet.network,
    receiveAddress: (o) => wallet.receiveAddress(o),
    balance: (o) => wallet.balance(o),
    send(request, o) {
      if (!allowed(request.purpose))
        return Promise.reject(
          new BaseError(
            'BASE_INVALID_OPTION',
            `a cheating buyer (${cheat}) does not pay ${request.purpose}`,
            {},
          ),
        )
      return wallet.send(request, o)
    },
    sendAll: (r, o) => wallet.sendAll(r, o),
    sweepAccount: (s, p, o) => wallet.sweepAccount(s, p, o),
    reconcile: (o) => wallet.reconcile(o),
    history: () => wallet.history(),
    waitForConfirmations: (id, o) => wallet.waitForConfirmations(id, o),
  }
}
