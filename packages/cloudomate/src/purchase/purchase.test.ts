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
import { QUOTE_MAX_AGE_MS } from './open-quotes.ts'
import { purchase } from './purchase.ts'

const ADDR = '1B7dwaVZrEfwKXoLf1VNq7nXZvnKk7xzHZ'
const NOW = 1_700_000_000_000
/** Another shop address (an earlier invoice's). */
const OTHER = '1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2'
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
  const paid: { address: string; amountSats: bigint; idempotencyKey: string }[] = []
  // The wallet's journal by idempotency key, as the real wallet keeps it (signed before broadcast).
  const history = new Map<string, WalletPayment>()
  const wallet: PaymentWallet = {
    network: networkParams('bitcoin'),
    balanceSats: async () => 10n ** 8n,
    pay: async (r) => {
      paid.push(r)
      const txid = `tx${paid.length}`
      history.set(r.idempotencyKey, {
        txid,
        toAddress: r.address,
        amountSats: r.amountSats,
        createdAtMs: clock.nowMs(),
        state: 'broadcast',
      })
      return { txid }
    },
    paymentByKey: async (key) => history.get(key),
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
    s.history.set(`fake:old:${ADDR}`, {
      txid: 'crashed',
      toAddress: ADDR,
      amountSats: 5050n,
      createdAtMs: NOW - 7,
      state: 'broadcast',
    })
    expect(await s.buy()).toMatchObject({ kind: 'paid', txid: 'crashed', resumed: true, purchaseId: 'p1' })
    expect(s.paid).toEqual([])
    expect(s.orders).toEqual([])
    expect(s.states()).toEqual(['paid'])
  })

  it('after a crash in `paying` with no wallet record for the invoice, fails it (nothing paid) and orders afresh', async () => {
    const s = setup()
    await s.journal.append({
      purchaseId: 'p1',
      state: 'quoted',
      atMs: NOW - 9,
      provider: 'fake',
      invoiceId: 'old',
      address: OTHER,
      amountSats: 5050n,
      expectedSats: 5050n,
    })
    await s.journal.append({ purchaseId: 'p1', state: 'paying', atMs: NOW - 8 })
    // A payment to the same address and amount under another invoice's key is not this invoice's.
    s.history.set(`fake:other:${OTHER}`, {
      txid: 'other',
      toAddress: OTHER,
      amountSats: 5050n,
      createdAtMs: NOW - 7,
      state: 'confirmed',
    })
    expect(await s.buy()).toMatchObject({ kind: 'paid', resumed: false, txid: 'tx1' })
    expect(s.orders).toEqual(['order'])
    expect(s.states()).toEqual(['failed', 'paid'])
  })

  it('after a crash in `paying` whose wallet record is signed with an unknown outcome, stays unresolved and pays nothing', async () => {
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
    s.history.set(`fake:old:${ADDR}`, {
      txid: 'pending',
      toAddress: ADDR,
      amountSats: 5050n,
      createdAtMs: NOW - 7,
      state: 'signed',
    })
    expect(await s.buy().catch((e: unknown) => errorCode(e))).toBe('CLOUDOMATE_PAYMENT_UNKNOWN')
    expect(await s.buy().catch((e: unknown) => errorCode(e))).toBe('CLOUDOMATE_PAYMENT_UNKNOWN')
    expect(s.paid).toEqual([])
    expect(s.orders).toEqual([])
    expect(s.states()).toEqual(['paying'])
  })

  it('settles a legacy `unknown` purchase from the wallet record: none under its key frees the shop', async () => {
    const s = setup()
    await s.journal.append({
      purchaseId: 'p1',
      state: 'quoted',
      atMs: NOW - 9,
      provider: 'fake',
      invoiceId: 'old',
      address: OTHER,
      amountSats: 5050n,
      expectedSats: 5050n,
    })
    await s.journal.append({ purchaseId: 'p1', state: 'unknown', atMs: NOW - 8 })
    expect(await s.buy()).toMatchObject({ kind: 'paid', resumed: false })
    expect(s.states()).toEqual(['failed', 'paid'])
  })

  it('resumes a quoted, still payable invoice instead of ordering again', async () => {
    const s = setup()
    await s.journal.append({
      purchaseId: 'p1',
      state: 'quoted',
      atMs: NOW - 9,
      provider: 'fake',
      optionId: '1',
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

  it('never pays an old quote for another plan: it is closed and this order is quoted afresh', async () => {
    const s = setup()
    // A month-old invoice for plan 2 that states no expiry.
    await s.journal.append({
      purchaseId: 'p1',
      state: 'started',
      atMs: NOW - 30 * 86_400_000 - 10,
      provider: 'fake',
      optionId: '2',
    })
    await s.journal.append({
      purchaseId: 'p1',
      state: 'quoted',
      atMs: NOW - 30 * 86_400_000,
      gateway: 'g',
      invoiceId: 'old',
      invoiceUrl: 'u',
      address: OTHER,
      amountSats: 5050n,
      expectedSats: 5050n,
    })
    expect(await s.buy()).toMatchObject({ kind: 'paid', resumed: false, quote: { invoiceId: 'inv1' } })
    expect(s.paid.map((p) => p.idempotencyKey)).toEqual([`fake:inv1:${ADDR}`])
    expect(foldJournal(s.journal.entries).get('p1')?.state).toBe('expired')
  })

  it('never pays a young quote of another plan at the same shop', async () => {
    const s = setup()
    await s.journal.append({
      purchaseId: 'p1',
      state: 'started',
      atMs: NOW - 10,
      provider: 'fake',
      optionId: '2',
    })
    await s.journal.append({
      purchaseId: 'p1',
      state: 'quoted',
      atMs: NOW - 9,
      gateway: 'g',
      invoiceId: 'old',
      invoiceUrl: 'u',
      address: OTHER,
      amountSats: 5050n,
      expectedSats: 5050n,
      expiresAtMs: NOW + 600_000,
    })
    expect(await s.buy()).toMatchObject({ kind: 'paid', resumed: false })
    expect(s.paid.map((p) => p.address)).toEqual([ADDR])
    expect(foldJournal(s.journal.entries).get('p1')).toMatchObject({ state: 'refused' })
  })

  it('never resumes a quote of this plan older than QUOTE_MAX_AGE_MS, whatever expiry the invoice states', async () => {
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
      atMs: NOW - QUOTE_MAX_AGE_MS,
      gateway: 'g',
      invoiceId: 'old',
      invoiceUrl: 'u',
      address: OTHER,
      amountSats: 5050n,
      expectedSats: 5050n,
      expiresAtMs: NOW + 30 * 86_400_000,
    })
    expect(await s.buy()).toMatchObject({ kind: 'paid', resumed: false })
    expect(s.paid.map((p) => p.address)).toEqual([ADDR])
    expect(foldJournal(s.journal.entries).get('p1')?.state).toBe('expired')
  })
})
