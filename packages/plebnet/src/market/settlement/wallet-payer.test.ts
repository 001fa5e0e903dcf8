import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createNullLogger, createVirtualClock } from '@dolly/base'
import {
  createMemoryChain,
  createWallet,
  deriveAccount,
  mnemonicToRoot,
  networkParams,
  openSqliteWalletStore,
  type MemoryChain,
  type WalletStore,
} from '@dolly/wallet'
import { afterEach, describe, expect, it } from 'vitest'
import { openSettlementIndex, SETTLEMENT_INDEX_FILE } from './settlement-index.ts'
import { createWalletPayer, tradePurpose } from './wallet-payer.ts'

const world = networkParams('world')
const WORDS = {
  seller: 'legal winner thank year wave sausage worth useful legal winner thank yellow',
  buyer: 'letter advice cage absurd amount doctor acoustic avoid letter advice cage above',
}
const cleanups: (() => void)[] = []
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c()
})

/** A payer over a wallet in `home` (files survive a rebuild: that is the restart). */
function payerIn(chain: MemoryChain, home: string, words: string) {
  const store: WalletStore = openSqliteWalletStore(join(home, 'wallet.sqlite'))
  cleanups.push(() => store.close())
  const wallet = createWallet(
    { chain, store, clock: createVirtualClock(1_800_000_000_000), logger: createNullLogger() },
    { network: world, account: deriveAccount(mnemonicToRoot(words, world), world), maxFeePercent: 100n },
  )
  const payer = createWalletPayer({
    wallet,
    chain,
    index: openSettlementIndex(join(home, SETTLEMENT_INDEX_FILE)),
  })
  return { wallet, payer }
}

function home(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dolly-payer-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

describe('BitcoinPayer over the wallet', () => {
  it('one address per trade, one payment per key across restarts, incoming sats and confirmations from the chain', async () => {
    const chain = createMemoryChain({ network: world })
    const sellerHome = home()
    const buyerHome = home()
    const seller = payerIn(chain, sellerHome, WORDS.seller)
    const buyer = payerIn(chain, buyerHome, WORDS.buyer)
    const funding = await buyer.wallet.receiveAddress()
    chain.fund(Buffer.from(funding.script).toString('hex'), 50_000n)
    chain.mine(1)

    const address = await seller.payer.receiveAddress('T')
    expect(await seller.payer.receiveAddress('T')).toBe(address)
    const other = await seller.payer.receiveAddress('U')
    expect(other).not.toBe(address)
    // Restarted: the trades keep their addresses.
    expect(await payerIn(chain, sellerHome, WORDS.seller).payer.receiveAddress('T')).toBe(address)

    const txid = await buyer.payer.pay(address, 12_000n, 'T:btc:1')
    expect(await buyer.payer.pay(address, 12_000n, 'T:btc:1')).toBe(txid)
    const reborn = payerIn(chain, buyerHome, WORDS.buyer)
    expect(await reborn.payer.findPayment('T:btc:1')).toBe(txid)
    expect(await reborn.payer.pay(address, 12_000n, 'T:btc:1')).toBe(txid)
    expect(await reborn.payer.findPayment('T:btc:2')).toBeUndefined()
    expect(reborn.wallet.history().payments.filter((p) => p.purpose === tradePurpose('T:btc:1')).length).toBe(
      1,
    )

    expect(await seller.payer.incoming(address, txid)).toEqual({ sats: 12_000n, confirmations: 0 })
    chain.mine(1)
    expect(await seller.payer.incoming(address, txid)).toEqual({ sats: 12_000n, confirmations: 1 })
    // Not to that address, or no such transaction: the wallet does not see a payment.
    expect(await seller.payer.incoming(other, txid)).toBeUndefined()
    expect(await seller.payer.incoming(address, '00'.repeat(32))).toBeUndefined()
  })
})
