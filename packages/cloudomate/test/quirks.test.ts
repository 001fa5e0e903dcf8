/**
 * Every anti-automation quirk of the world's shops (CLOUDOMATE.md §8) ends the purchase with its own
 * typed error and no payment. The shops run in-process (no sockets) on a virtual clock; their
 * in-memory chain hands out addresses that are not valid bech32, which also shows that an invalid
 * gateway address is refused without paying.
 */
import { createMemoryLogger, createSeededRng, createVirtualClock, errorCode } from '@dolly/base'
import { networkParams } from '@dolly/wallet'
import { afterEach, describe, expect, it } from 'vitest'
import { createHttpSession, type HttpSend } from '../src/http/session.ts'
import { generateIdentity } from '../src/identity.ts'
import type { PaymentWallet } from '../src/ports.ts'
import { WORLD_SHOPS } from '../src/providers/shops.ts'
import { createMemoryAccountStore } from '../src/purchase/accounts.ts'
import { createMemoryJournalStore, foldJournal } from '../src/purchase/journal.ts'
import { purchase } from '../src/purchase/purchase.ts'
import { createFixedRateSource } from '../src/rates.ts'
import { createWhmcsDriver } from '../src/whmcs/driver.ts'
import type { WhmcsShopConfig } from '../src/whmcs/shop-config.ts'
import { standardShops, startInProcessProvider } from './support/world.ts'

const stops: (() => Promise<void>)[] = []
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()))
})

type Kit = Awaited<ReturnType<typeof startInProcessProvider>>

async function shop(name: string, options: Partial<Parameters<typeof startInProcessProvider>[0]> = {}) {
  const kit: Kit = await startInProcessProvider({ name, ...options })
  stops.push(() => kit.provider.stop())
  return kit
}

function buyer(kit: Kit, config: Partial<WhmcsShopConfig> = {}, seed = 'buyer') {
  const base = WORLD_SHOPS.find((s) => s.name === kit.provider.name)!
  const driver = createWhmcsDriver({ ...base, baseUrl: kit.provider.url, ...config })
  const clock = createVirtualClock(1_700_000_000_000)
  const rng = createSeededRng(seed)
  const pays: unknown[] = []
  const wallet: PaymentWallet = {
    network: networkParams('world'),
    balanceSats: async () => 10n ** 8n,
    pay: async (r) => {
      pays.push(r)
      return { txid: 'f'.repeat(64) }
    },
    paymentByKey: async () => undefined,
  }
  const journal = createMemoryJournalStore()
  const deps = {
    wallet,
    journal,
    accounts: createMemoryAccountStore(),
    rates: createFixedRateSource(clock, { USD: 1000n }),
    clock,
    rng,
    log: createMemoryLogger(),
    newSession: () =>
      createHttpSession({ send: kit.router.send as HttpSend, clock, rng }, { minIntervalMs: 0 }),
  }
  const buy = async (optionIndex: number, settings = generateIdentity(rng)) => {
    const ctx = { session: deps.newSession(), network: wallet.network, clock, rng, log: deps.log }
    const options = await driver.options(ctx)
    const option = options[optionIndex]!
    return purchase(deps, { driver, option, settings, policy: { tolerancePct: 3, maxSats: null } })
  }
  const codeOf = async (p: Promise<unknown>) =>
    p.then(
      () => 'resolved',
      (err: unknown) => errorCode(err),
    )
  return { driver, buy, pays, journal, codeOf, rng }
}

describe('quirks of the world shops: a typed error and no payment', () => {
  it('banned e-mail domain → CLOUDOMATE_EMAIL_REJECTED', async () => {
    const kit = await shop('bluecloud', { quirks: { bannedEmailDomains: ['mailinator.com'] } })
    const b = buyer(kit)
    const settings = { ...generateIdentity(b.rng, { domain: 'mailinator.com' }) }
    expect(await b.codeOf(b.buy(0, settings))).toBe('CLOUDOMATE_EMAIL_REJECTED')
    expect(b.pays).toEqual([])
  })

  it('fraud block after a registration from the same IP → CLOUDOMATE_FRAUD_BLOCKED', async () => {
    const kit = await shop('twosync', {
      quirks: { fraudBlock: { maxRegistrations: 1, windowMs: 86_400_000 } },
    })
    const b = buyer(kit)
    // The first registration goes through to the gateway, whose in-memory address is refused.
    expect(await b.codeOf(b.buy(0))).toBe('CLOUDOMATE_PAYMENT_REFUSED')
    expect(await b.codeOf(b.buy(0))).toBe('CLOUDOMATE_FRAUD_BLOCKED')
    expect(b.pays).toEqual([])
  })

  it('a sold-out plan → CLOUDOMATE_OUT_OF_STOCK', async () => {
    const kit = await shop('pulsevps', {
      shop: standardShops({ quirks: true }).find((s) => s.name === 'pulsevps')!,
    })
    const b = buyer(kit)
    const options = await b.driver.options({
      session: createHttpSession(
        { send: kit.router.send as HttpSend, clock: kit.clock, rng: b.rng },
        { minIntervalMs: 0 },
      ),
      network: networkParams('world'),
      clock: kit.clock,
      rng: b.rng,
      log: createMemoryLogger(),
    })
    expect(options.map((o) => o.inStock)).toEqual([true, false])
    expect(await b.codeOf(b.buy(1))).toBe('CLOUDOMATE_OUT_OF_STOCK')
    expect(b.pays).toEqual([])
  })

  it('manual order review → CLOUDOMATE_MANUAL_REVIEW before any payment', async () => {
    const kit = await shop('crownhost', { quirks: { manualReviewMs: 4 * 3_600_000 } })
    const b = buyer(kit)
    expect(await b.codeOf(b.buy(0))).toBe('CLOUDOMATE_MANUAL_REVIEW')
    expect(b.pays).toEqual([])
  })

  it('JavaScript cookie challenge → CLOUDOMATE_CHALLENGE_REQUIRED unless the shop hook solves it', async () => {
    const kit = await shop('bluecloud', { quirks: { jsChallenge: true } })
    const reporting = buyer(kit, { challenge: 'report' })
    expect(await reporting.codeOf(reporting.buy(0))).toBe('CLOUDOMATE_CHALLENGE_REQUIRED')
    const solving = buyer(kit, { challenge: 'charcodes' }, 'other')
    // Past the challenge the order reaches the gateway, whose in-memory address is refused.
    expect(await solving.codeOf(solving.buy(0))).toBe('CLOUDOMATE_PAYMENT_REFUSED')
    expect([...reporting.pays, ...solving.pays]).toEqual([])
  })

  it('an invoice address that is not valid on the wallet network is refused and journalled as failed', async () => {
    const kit = await shop('pulsevps')
    const b = buyer(kit)
    expect(await b.codeOf(b.buy(0))).toBe('CLOUDOMATE_PAYMENT_REFUSED')
    expect(b.pays).toEqual([])
    const states = [...foldJournal(b.journal.entries).values()].map((r) => r.state)
    expect(states).toEqual(['failed'])
  })
})
