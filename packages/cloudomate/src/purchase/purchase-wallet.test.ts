/**
 * The purchase flow over the real wallet (memory chain, sqlite journal in memory): what happens to the
 * purchase journal when the wallet fails before or during a payment, and how a crashed `paying` is
 * settled from the wallet's own record under the invoice's idempotency key (issue 14).
 */
import { createMemoryLogger, createSeededRng, createVirtualClock, errorCode } from '@dolly/base'
import {
  createMemoryChain,
  createWallet,
  deriveAccount,
  mnemonicToRoot,
  networkParams,
  openSqliteWalletStore,
  type ChainBackend,
  type MemoryChain,
  type Wallet,
  WalletError,
} from '@dolly/wallet'
import { describe, expect, it } from 'vitest'
import { createHttpSession } from '../http/session.ts'
import type { VpsOption } from '../model.ts'
import type { OrderingDriver } from '../providers/driver.ts'
import { createFixedRateSource } from '../rates.ts'
import { paymentWalletFrom } from '../wallet-port.ts'
import { createMemoryAccountStore } from './accounts.ts'
import { createMemoryJournalStore, foldJournal, type JournalEntry } from './journal.ts'
import { purchase } from './purchase.ts'

const world = networkParams('world')
const NOW = 1_700_000_000_000
const PRICE_SATS = 5_050_000n
const buyerRoot = mnemonicToRoot(
  'legal winner thank year wave sausage worth useful legal winner thank yellow',
  world,
)
const shopRoot = mnemonicToRoot(
  'letter advice cage absurd amount doctor acoustic avoid letter advice cage above',
  world,
)
const option: VpsOption = {
  provider: 'shop',
  id: '1',
  name: 'Basic',
  cores: 1,
  memoryGB: 1,
  storageGB: 10,
  bandwidthTBPerMonth: null,
  connectionGbps: null,
  price: { cents: 500n, currency: 'USD', period: 'month' },
  virtualization: 'kvm',
  tunTap: false,
  inStock: true,
}

/**
 * The memory chain as a node whose relay minimum rose after it answered the fee estimate (so it
 * rejects the wallet's transaction), and whose broadcast can be made to hang up before replying.
 */
function withBrokenBroadcast(chain: MemoryChain): { chain: ChainBackend; setBroken(b: boolean): void } {
  let broken = false
  return {
    chain: {
      tipHeight: (o) => chain.tipHeight(o),
      tipHash: (o) => chain.tipHash(o),
      listUnspent: (s, o) => chain.listUnspent(s, o),
      getTransaction: (t, o) => chain.getTransaction(t, o),
      estimateFee: async (t, o) => ({ ...(await chain.estimateFee(t, o)), minRelayFeeRateSatPerKvb: 1000n }),
      broadcast: async (hex, o) => {
        // As the RPC adapters do for a lost connection (the ChainBackend contract).
        if (broken) throw new WalletError('WALLET_BACKEND_DOWN', 'connection reset before the reply', {})
        return chain.broadcast(hex, o)
      },
    },
    setBroken: (b) => {
      broken = b
    },
  }
}

async function setup(opts: { fundSats: bigint; minRelayFeeRateSatPerKvb?: bigint }) {
  const clock = createVirtualClock(NOW)
  const memory = createMemoryChain({
    network: world,
    ...(opts.minRelayFeeRateSatPerKvb === undefined
      ? {}
      : { minRelayFeeRateSatPerKvb: opts.minRelayFeeRateSatPerKvb }),
  })
  const broadcast = withBrokenBroadcast(memory)
  const logger = createMemoryLogger()
  const open = (root: typeof buyerRoot): Wallet =>
    createWallet(
      { chain: broadcast.chain, store: openSqliteWalletStore(':memory:'), clock, logger },
      { network: world, account: deriveAccount(root, world), maxFeePercent: 100n },
    )
  const buyer = open(buyerRoot)
  const shop = open(shopRoot)
  if (opts.fundSats > 0n) {
    const a = await buyer.receiveAddress()
    memory.fund(Buffer.from(a.script).toString('hex'), opts.fundSats)
    memory.mine(1)
  }
  let invoices = 0
  const orders: string[] = []
  const driver: OrderingDriver<VpsOption> = {
    name: 'shop',
    gatewayFeePercent: 1,
    requiredSettings: () => [],
    order: async () => {
      invoices++
      orders.push(`inv${invoices}`)
      return {
        quote: {
          gateway: 'g',
          address: (await shop.receiveAddress()).address,
          amountSats: PRICE_SATS,
          invoiceId: `inv${invoices}`,
          invoiceUrl: 'u',
          expiresAtMs: clock.nowMs() + 900_000,
        },
        data: {},
      }
    },
    state: async () => ({ kind: 'pending', status: 'x' }),
  }
  const journal = createMemoryJournalStore()
  const deps = {
    wallet: paymentWalletFrom(buyer),
    journal,
    accounts: createMemoryAccountStore(),
    rates: createFixedRateSource(clock, { USD: 1_000_000n }),
    clock,
    rng: createSeededRng('p'),
    log: logger,
    newSession: () =>
      createHttpSession({
        send: async () => Promise.reject(new Error('no network in this test')),
        clock,
        rng: createSeededRng('s'),
      }),
  }
  const buy = () =>
    purchase(deps, { driver, option, settings: {}, policy: { tolerancePct: 3, maxSats: null } })
  const states = () => [...foldJournal(journal.entries).values()].map((r) => r.state)
  const fund = async (sats: bigint) => {
    const a = await buyer.receiveAddress()
    memory.fund(Buffer.from(a.script).toString('hex'), sats)
    memory.mine(1)
  }
  return { buy, states, journal, buyer, memory, broadcast, orders, fund, clock }
}

describe('purchase over the real wallet', () => {
  it('ends an attempt the wallet refused before signing as failed, and the next purchase at the shop pays', async () => {
    const s = await setup({ fundSats: 0n })
    expect(await s.buy().catch(errorCode)).toBe('WALLET_INSUFFICIENT_FUNDS')
    expect(s.states()).toEqual(['failed'])
    expect(s.buyer.history().payments).toEqual([])
    await s.fund(100_000_000n)
    expect(await s.buy()).toMatchObject({ kind: 'paid', resumed: false })
    expect(s.states()).toEqual(['failed', 'paid'])
    expect(s.buyer.history().payments.map((p) => p.state)).toEqual(['broadcast'])
  })

  it('settles a crash between `paying` and the wallet call as failed: the wallet never signed for the key', async () => {
    const s = await setup({ fundSats: 100_000_000n })
    await s.journal.append({
      purchaseId: 'p1',
      state: 'started',
      atMs: NOW - 10,
      provider: 'shop',
      optionId: '1',
    })
    await s.journal.append({
      purchaseId: 'p1',
      state: 'quoted',
      atMs: NOW - 9,
      invoiceId: 'old',
      address: (await s.buyer.receiveAddress()).address,
      amountSats: PRICE_SATS,
      expectedSats: PRICE_SATS,
    })
    await s.journal.append({ purchaseId: 'p1', state: 'paying', atMs: NOW - 8 })
    expect(await s.buy()).toMatchObject({ kind: 'paid', resumed: false })
    expect(s.states()).toEqual(['failed', 'paid'])
    expect(s.buyer.history().payments).toHaveLength(1)
  })

  it('never counts a payment the node rejected as paid: it fails and frees the shop', async () => {
    // A relay minimum far above any fee the wallet will pay: the node rejects the broadcast.
    const s = await setup({ fundSats: 100_000_000n, minRelayFeeRateSatPerKvb: 10n ** 12n })
    const first = await s.buy().catch(errorCode)
    expect(first).toBe('WALLET_BROADCAST_REJECTED')
    expect(s.buyer.history().payments.map((p) => p.state)).toEqual(['failed'])
    expect(s.states()).toEqual(['failed'])
    // The retry orders afresh (and is rejected again): nothing is reported as paid.
    expect(await s.buy().catch(errorCode)).toBe('WALLET_BROADCAST_REJECTED')
    expect(s.states()).toEqual(['failed', 'failed'])
    expect((await s.buyer.balance()).confirmedSats).toBe(100_000_000n)
  })

  it('on recovery settles a `paying` whose wallet record failed as failed, not paid', async () => {
    const s = await setup({ fundSats: 100_000_000n, minRelayFeeRateSatPerKvb: 10n ** 12n })
    await s.buy().catch(errorCode)
    // As if the process died right after the rejection, before journaling anything.
    const entries = s.journal.entries as JournalEntry[]
    const failedAt = entries.findIndex((e) => e.state === 'failed')
    if (failedAt >= 0) entries.splice(failedAt, 1)
    const id = entries[0]?.purchaseId ?? ''
    expect(foldJournal(s.journal.entries).get(id)?.state).toBe('paying')
    const retry = await s.buy().catch(errorCode)
    expect(retry).toBe('WALLET_BROADCAST_REJECTED')
    expect(foldJournal(s.journal.entries).get(id)).toMatchObject({ state: 'failed' })
    expect(s.buyer.history().payments.every((p) => p.state === 'failed')).toBe(true)
  })

  it('leaves a signed payment with an unknown broadcast outcome unresolved, never pays again, and settles it once the wallet reconciles', async () => {
    const s = await setup({ fundSats: 100_000_000n })
    s.broadcast.setBroken(true)
    expect(await s.buy().catch(errorCode)).toBe('WALLET_BACKEND_DOWN')
    expect(s.states()).toEqual(['paying'])
    // Still unreachable: the retry stays unresolved and pays nothing.
    expect(await s.buy().catch(errorCode)).toBe('WALLET_BACKEND_DOWN')
    expect(s.states()).toEqual(['paying'])
    expect(s.orders).toEqual(['inv1'])
    expect(s.buyer.history().payments.map((p) => p.state)).toEqual(['signed'])
    // The node answers again: the wallet re-sends the identical transaction and the purchase is paid.
    s.broadcast.setBroken(false)
    const txid = s.buyer.history().payments[0]?.txid
    expect(await s.buy()).toMatchObject({ kind: 'paid', resumed: true, txid })
    expect(s.orders).toEqual(['inv1'])
    expect(s.buyer.history().payments).toHaveLength(1)
  })
})
