import { createMemoryLogger, createSeededRng, createVirtualClock, errorCode } from '@dolly/base'
import { networkParams } from '@dolly/wallet'
import { describe, expect, it } from 'vitest'
import type { PaymentQuote, VpsOption } from '../model.ts'
import type { PaymentWallet, WalletPayment } from '../ports.ts'
import type { OrderingDriver } from '../providers/driver.ts'
import { createHttpSession } from '../http/session.ts'
import { createFixedRateSource } from '../rates.ts'
import { createMemoryAccountStore } from './accounts.ts'
import { createMemoryJournalStore, foldJournal } from './journal.ts'
import { purchase } from './purchase.ts'

const ADDR = '1B7dwaVZrEfwKXoLf1VNq7nXZvnKk7xzHZ'
const NOW = 1_700_000_000_000
const option: VpsOption = {
  provider: 'fake',
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

function setup(quote: Partial<PaymentQuote> = {}) {
  const clock = createVirtualClock(NOW)
  const orders: string[] = []
  const paid: { address: string; amountSats: bigint }[] = []
  const history: WalletPayment[] = []
  const wallet: PaymentWallet = {
    network: networkParams('bitcoin'),
    balanceSats: async () => 10n ** 8n,
    pay: async (r) => {
      paid.push(r)
      return { txid: `tx${paid.length}` }
    },
    payments: async () => history,
  }
  let n = 0
  const driver: OrderingDriver<VpsOption> = {
    name: 'fake',
    gatewayFeePercent: 1,
    requiredSettings: () => [],
    order: async () => {
      orders.push('order')
      n++
      return {
        quote: {
          gateway: 'g',
          address: ADDR,
          amountSats: 5050n,
          invoiceId: `inv${n}`,
          invoiceUrl: 'u',
          expiresAtMs: NOW + 900_000,
          ...quote,
        },
        data: {},
      }
    },
    state: async () => ({ kind: 'pending', status: 'x' }),
  }
  const journal = createMemoryJournalStore()
  const deps = {
    wallet,
    journal,
    accounts: createMemoryAccountStore(),
    rates: createFixedRateSource(clock, { USD: 1000n }),
    clock,
    rng: createSeededRng('p'),
    log: createMemoryLogger(),
    // The fake driver never browses; a session that cannot send proves it.
    newSession: () =>
      createHttpSession({
        send: async () => Promise.reject(new Error('no network in this test')),
        clock,
        rng: createSeededRng('s'),
      }),
  }
  const buy = (dryRun = false) =>
    purchase(deps, {
      driver,
      option,
      settings: {},
      policy: { tolerancePct: 3, maxSats: null },
      ...(dryRun ? { dryRun } : {}),
    })
  const states = () => [...foldJournal(journal.entries).values()].map((r) => r.state)
  return { buy, paid, orders, history, journal, states, clock }
}

describe('purchase flow', () => {
  it('journals started → quoted → paying → paid around one payment', async () => {
    const s = setup()
    expect(await s.buy()).toMatchObject({ kind: 'paid', txid: 'tx1', resumed: false })
    expect(s.journal.entries.map((e) => e.state)).toEqual(['started', 'quoted', 'paying', 'paid'])
    expect(s.paid).toEqual([
      {
        address: ADDR,
        amountSats: 5050n,
        purpose: 'vps fake invoice inv1',
        idempotencyKey: `fake:inv1:${ADDR}`,
      },
    ])
  })

  it('stops before paying on a dry run', async () => {
    const s = setup()
    expect(await s.buy(true)).toMatchObject({ kind: 'dry-run', expectedSats: 5050n })
    expect(s.paid).toEqual([])
  })

  it('refuses an invoice above the expected price and pays nothing', async () => {
    const s = setup({ amountSats: 6000n })
    expect(await s.buy().catch((e: unknown) => errorCode(e))).toBe('CLOUDOMATE_PAYMENT_REFUSED')
    expect(s.states()).toEqual(['refused'])
    expect(s.paid).toEqual([])
  })

  it('after a crash in `paying` with the payment in the wallet, records it and never pays again', async () => {
    const s = setup()
    await s.journal.append({
      purchaseId: 'p1',
      state: 'started',
      atMs: NOW - 10,
      provider: 'fake',
      optionId: '1',
    })
    await s.journal.append({
      purchaseId: 'p1',
      state: 'quoted',
      atMs: NOW - 9,
      invoiceId: 'old',
      address: ADDR,
      amountSats: 5050n,
      expectedSats: 5050n,
    })
    await s.journal.append({ purchaseId: 'p1', state: 'paying', atMs: NOW - 8 })
    s.history.push({ txid: 'crashed', toAddress: ADDR, amountSats: 5050n, createdAtMs: NOW - 7 })
    expect(await s.buy()).toMatchObject({ kind: 'paid', txid: 'crashed', resumed: true, purchaseId: 'p1' })
    expect(s.paid).toEqual([])
    expect(s.orders).toEqual([])
    expect(s.states()).toEqual(['paid'])
  })

  it('after a crash in `paying` with no payment in the wallet, marks it unknown and refuses to pay', async () => {
    const s = setup()
    await s.journal.append({
      purchaseId: 'p1',
      state: 'quoted',
      atMs: NOW - 9,
      provider: 'fake',
      invoiceId: 'old',
      address: ADDR,
      amountSats: 5050n,
      expectedSats: 5050n,
    })
    await s.journal.append({ purchaseId: 'p1', state: 'paying', atMs: NOW - 8 })
    expect(await s.buy().catch((e: unknown) => errorCode(e))).toBe('CLOUDOMATE_PAYMENT_UNKNOWN')
    expect(await s.buy().catch((e: unknown) => errorCode(e))).toBe('CLOUDOMATE_PAYMENT_UNKNOWN')
    expect(s.paid).toEqual([])
    expect(s.states()).toEqual(['unknown'])
  })

  it('resumes a quoted, still payable invoice instead of ordering again', async () => {
    const s = setup()
    await s.journal.append({
      purchaseId: 'p1',
      state: 'quoted',
      atMs: NOW - 9,
      provider: 'fake',
      gateway: 'g',
      invoiceId: 'old',
      invoiceUrl: 'u',
      address: ADDR,
      amountSats: 5050n,
      expectedSats: 5050n,
      expiresAtMs: NOW + 600_000,
    })
    expect(await s.buy()).toMatchObject({ kind: 'paid', resumed: true, purchaseId: 'p1' })
    expect(s.orders).toEqual([])
    expect(s.paid.length).toBe(1)
  })

  it('lets an expired quote expire and orders afresh', async () => {
    const s = setup()
    await s.journal.append({
      purchaseId: 'p1',
      state: 'quoted',
      atMs: NOW - 9,
      provider: 'fake',
      invoiceId: 'old',
      address: '1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2',
      amountSats: 5050n,
      expectedSats: 5050n,
      expiresAtMs: NOW + 30_000,
    })
    expect(await s.buy()).toMatchObject({ kind: 'paid', resumed: false })
    expect(s.orders.length).toBe(1)
    expect(s.states().sort()).toEqual(['expired', 'paid'])
  })
})
