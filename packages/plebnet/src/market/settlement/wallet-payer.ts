import type { AbortOptions } from '@dolly/base'
import type { BitcoinPayer, IncomingPayment } from '@dolly/market'
import { satsPaidTo, type ChainBackend, type Wallet } from '@dolly/wallet'
import type { SettlementIndex } from './settlement-index.ts'

/** The wallet payment purpose of a trade payment made under idempotency `key` (shown in history). */
export const tradePurpose = (key: string): string => `market ${key}`

/**
 * The market's {@link BitcoinPayer} over the agent's wallet, paying once per key as the lifecycle's
 * `payOnce` does: the wallet journals every payment as `signed` (with its purpose) before the
 * broadcast, so after `reconcile()` its history holds any payment made under the key, broadcast or
 * not, and a retry returns that txid instead of paying again. A trade's receive address is a fresh
 * wallet address, journaled in the settlement index so the trade keeps it. Incoming payments are read
 * from the chain backend (mempool or chain) and summed over the outputs paying the trade's address.
 */
export function createWalletPayer(deps: {
  readonly wallet: Wallet
  readonly chain: ChainBackend
  readonly index: SettlementIndex
}): BitcoinPayer {
  let queue: Promise<unknown> = Promise.resolve()
  /** One payment or address at a time: coin selection and the address index are not re-entrant. */
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn)
    queue = run.catch(() => undefined)
    return run
  }
  const find = async (key: string, options: AbortOptions = {}): Promise<string | undefined> => {
    await deps.wallet.reconcile(options)
    const purpose = tradePurpose(key)
    return deps.wallet.history().payments.find((p) => p.purpose === purpose && p.state !== 'failed')?.txid
  }
  return {
    receiveAddress: (tradeId) =>
      serial(async () => {
        await deps.index.load()
        const known = deps.index.address(tradeId)
        if (known !== undefined) return known
        const { address } = await deps.wallet.receiveAddress()
        await deps.index.append({ kind: 'address', tradeId, address })
        return address
      }),
    pay: (address, sats, key, options = {}) =>
      serial(async () => {
        const done = await find(key, options)
        if (done !== undefined) return done
        const record = await deps.wallet.send(
          { to: address, amountSats: sats, purpose: tradePurpose(key) },
          options,
        )
        return record.txid
      }),
    findPayment: (key) => serial(() => find(key)),
    async incoming(address, txid): Promise<IncomingPayment | undefined> {
      const tx = await deps.chain.getTransaction(txid)
      if (tx === undefined) return undefined
      const sats = satsPaidTo(tx.hex, address)
      return sats === 0n ? undefined : { sats, confirmations: tx.confirmations }
    },
  }
}
