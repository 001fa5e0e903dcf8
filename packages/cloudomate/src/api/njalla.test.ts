/**
 * The Njalla driver against the replies in test/fixtures/api/njalla/ (shapes from Njalla's API docs and
 * a published client's tests; see the README there), through an injected `send`, and one purchase
 * through the real journal and safety rules.
 */
import { readFileSync } from 'node:fs'
import { createMemoryLogger, createSeededRng, createVirtualClock, errorCode } from '@dolly/base'
import { networkParams } from '@dolly/wallet'
import { describe, expect, it } from 'vitest'
import { createHttpSession, type HttpSend } from '../http/session.ts'
import type { PaymentWallet } from '../ports.ts'
import type { PurchaseAccount } from '../providers/driver.ts'
import { createMemoryAccountStore } from '../purchase/accounts.ts'
import { createMemoryJournalStore, foldJournal } from '../purchase/journal.ts'
import { purchase } from '../purchase/purchase.ts'
import { createFixedRateSource } from '../rates.ts'
import { checkNjallaTopup, createNjallaDriver, njallaTopupEuros } from './njalla.ts'

const fixture = (name: string): unknown =>
  JSON.parse(
    readFileSync(new URL(`../../test/fixtures/api/njalla/${name}.json`, import.meta.url), 'utf8'),
  ) as unknown
const ADDR = 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4'
const NOW = 1_700_000_000_000

/** Replies by RPC method; `calls` records method, params and the Authorization header. */
function rig(replies: Record<string, string | (() => string)>) {
  const calls: { method: string; params: unknown; auth: string | null; url: string }[] = []
  const send: HttpSend = async (request) => {
    const body = JSON.parse(await request.text()) as { method: string; params: unknown }
    calls.push({ ...body, auth: request.headers.get('authorization'), url: request.url })
    const reply = replies[body.method]
    if (reply === undefined) return new Response('{"error":{"message":"unknown method"}}')
    return new Response(JSON.stringify(fixture(typeof reply === 'string' ? reply : reply())), {
      headers: { 'content-type': 'application/json' },
    })
  }
  const clock = createVirtualClock(NOW)
  const rng = createSeededRng('njalla')
  const ctx = {
    session: createHttpSession({ send, clock, rng }, { minIntervalMs: 0 }),
    network: networkParams('bitcoin'),
    clock,
    rng,
    log: createMemoryLogger(),
  }
  return { calls, ctx, send, clock, rng }
}

const driver = createNjallaDriver({ token: 'T0K3N' })

describe('Njalla top-up amounts', () => {
  it('rounds a charge up to 5 EUR or the next multiple of 15 EUR, and refuses above 300 EUR', () => {
    expect(njallaTopupEuros(1n)).toBe(5n)
    expect(njallaTopupEuros(500n)).toBe(5n)
    expect(njallaTopupEuros(501n)).toBe(15n)
    expect(njallaTopupEuros(1500n)).toBe(15n)
    expect(njallaTopupEuros(1501n)).toBe(30n)
    expect(njallaTopupEuros(30_000n)).toBe(300n)
    expect(() => njallaTopupEuros(30_001n)).toThrow(
      expect.objectContaining({ code: 'CLOUDOMATE_TOPUP_OUT_OF_RANGE' }),
    )
    for (const ok of [5n, 15n, 45n, 300n]) expect(() => checkNjallaTopup(ok)).not.toThrow()
    for (const bad of [0n, 10n, 20n, 315n, -15n])
      expect(errorCode(captured(() => checkNjallaTopup(bad)))).toBe('CLOUDOMATE_TOPUP_OUT_OF_RANGE')
  })
})

describe('Njalla driver', () => {
  it('lists server types in EUR per month with the Njalla token header', async () => {
    const { ctx, calls } = rig({ 'list-server-types': 'list-server-types' })
    const options = await driver.options(ctx)
    expect(options.map((o) => [o.id, o.price.cents, o.price.currency, o.price.period])).toEqual([
      ['njalla1', 1500n, 'EUR', 'month'],
      ['njalla2', 3000n, 'EUR', 'month'],
    ])
    expect(options[0]).toMatchObject({ cores: 1, memoryGB: 1.5, storageGB: 15 })
    expect(calls).toEqual([
      { method: 'list-server-types', params: {}, auth: 'Njalla T0K3N', url: 'https://njal.la/api/1/' },
    ])
  })

  it('quotes add-payment exactly from amount_btc and the BIP21 URI', async () => {
    const { ctx, calls } = rig({ 'list-server-types': 'list-server-types', 'add-payment': 'add-payment' })
    const [option] = await driver.options(ctx)
    const order = await driver.order(ctx, option!, account({}))
    expect(calls[1]).toMatchObject({ method: 'add-payment', params: { amount: 15, via: 'bitcoin' } })
    expect(order.quote).toMatchObject({ address: ADDR, amountSats: 26_325n, invoiceId: 'pay-6f1c2b' })
    expect(order.data).toEqual({ paymentId: 'pay-6f1c2b', serverType: 'njalla1', topupEuros: '15' })
  })

  it.each([
    ['add-payment-disagreeing', 'CLOUDOMATE_GATEWAY_CHANGED'],
    ['add-payment-testnet-address', 'CLOUDOMATE_PAYMENT_REFUSED'],
    ['add-payment-exponent', 'CLOUDOMATE_GATEWAY_CHANGED'],
  ])('rejects %s with %s', async (reply, code) => {
    const { ctx } = rig({ 'list-server-types': 'list-server-types', 'add-payment': reply })
    const [option] = await driver.options(ctx)
    expect(errorCode(await driver.order(ctx, option!, account({})).catch((e: unknown) => e))).toBe(code)
  })

  it('turns a JSON-RPC error and a malformed result into CLOUDOMATE_API_ERROR', async () => {
    const bad = rig({ 'list-server-types': 'error-token' })
    const err = await driver.options(bad.ctx).catch((e: unknown) => e)
    expect(errorCode(err)).toBe('CLOUDOMATE_API_ERROR')
    expect(String(err)).toContain('Invalid token.')
    const malformed = rig({ 'list-server-types': 'list-server-types-malformed' })
    expect(errorCode(await driver.options(malformed.ctx).catch((e: unknown) => e))).toBe(
      'CLOUDOMATE_API_ERROR',
    )
    expect(
      errorCode(
        await createNjallaDriver()
          .options(bad.ctx)
          .catch((e: unknown) => e),
      ),
    ).toBe('CLOUDOMATE_SETTINGS_INVALID')
  })

  it('waits for the top-up, creates the server once, then reports its IPv4', async () => {
    let balance = 'get-balance-empty'
    const { ctx, calls } = rig({
      'get-balance': () => balance,
      'get-payment': 'get-payment',
      'add-server': 'add-server',
      'list-servers': 'list-servers',
    })
    const acc = account(
      { paymentId: 'pay-6f1c2b', serverType: 'njalla1', topupEuros: '15' },
      { hostname: 'h.example.org', ssh_public_key: 'ssh-ed25519 AAAA' },
    )
    expect(await driver.state(ctx, acc)).toEqual({
      kind: 'pending',
      status: 'waiting for the top-up (Waiting for transaction)',
    })
    balance = 'get-balance-funded'
    expect(await driver.state(ctx, acc)).toEqual({
      kind: 'pending',
      status: 'created',
      data: { serverId: 'srv-91a0' },
    })
    expect(calls.find((c) => c.method === 'add-server')?.params).toEqual({
      name: 'h.example.org',
      type: 'njalla1',
      os: 'debian-12',
      sshkey: 'ssh-ed25519 AAAA',
      months: 1,
    })
    const created = { ...acc, data: { ...acc.data, serverId: 'srv-91a0' } }
    expect(await driver.state(ctx, created)).toEqual({
      kind: 'active',
      ip: '185.193.125.10',
      sshKeyOnly: true,
    })
    expect(calls.filter((c) => c.method === 'add-server')).toHaveLength(1)
  })

  it('pays through the purchase journal once, and a retry does not pay again', async () => {
    const { ctx, send, clock, rng } = rig({
      'list-server-types': 'list-server-types',
      'add-payment': 'add-payment',
    })
    const paid: { address: string; amountSats: bigint }[] = []
    const wallet: PaymentWallet = {
      network: networkParams('bitcoin'),
      balanceSats: async () => 10n ** 8n,
      pay: async (r) => {
        paid.push(r)
        return { txid: 'tx1' }
      },
      paymentByKey: async () => undefined,
    }
    const journal = createMemoryJournalStore()
    const deps = {
      wallet,
      journal,
      accounts: createMemoryAccountStore(),
      // 1755 sats per euro: 15 EUR = 26 325 sats, what the recorded add-payment asks.
      rates: createFixedRateSource(clock, { EUR: 1755n }),
      clock,
      rng,
      log: createMemoryLogger(),
      newSession: () => createHttpSession({ send, clock, rng }, { minIntervalMs: 0 }),
    }
    const [option] = await driver.options(ctx)
    const request = {
      driver,
      option: option!,
      settings: { hostname: 'h.example.org', ssh_public_key: 'ssh-ed25519 AAAA' },
      policy: { tolerancePct: 3, maxSats: null },
    }
    const outcome = await purchase(deps, request)
    expect(outcome).toMatchObject({ kind: 'paid', txid: 'tx1' })
    expect(paid).toEqual([expect.objectContaining({ address: ADDR, amountSats: 26_325n })])
    // The same add-payment reply again: the address is already paid under this invoice, so no second payment.
    expect(errorCode(await purchase(deps, request).catch((e: unknown) => e))).toBe(
      'CLOUDOMATE_PAYMENT_REFUSED',
    )
    expect(paid).toHaveLength(1)
    const states = [...foldJournal(await journal.readAll()).values()].map((r) => r.state)
    expect(states).toContain('paid')
  })
})

function account(data: Record<string, string>, settings: Record<string, string> = {}): PurchaseAccount {
  return { purchaseId: 'p', provider: 'njalla', optionId: 'njalla1', settings, data }
}

function captured(run: () => void): unknown {
  try {
    run()
  } catch (err) {
    return err
  }
  return undefined
}
