/**
 * The LunaNode driver against the replies in test/fixtures/api/lunanode/ through an injected `send`.
 * Every request's signature is recomputed here from the documented formula with Node's HMAC, not with
 * the driver's helper, so a wrong field order or separator fails.
 */
import { createHmac } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createMemoryLogger, createSeededRng, createVirtualClock, errorCode } from '@dolly/base'
import { networkParams } from '@dolly/wallet'
import { describe, expect, it } from 'vitest'
import { createHttpSession, type HttpSend } from '../http/session.ts'
import type { PurchaseAccount } from '../providers/driver.ts'
import { createLunanodeDriver, hourlyToMonthCents } from './lunanode.ts'

const fixture = (name: string): string =>
  readFileSync(new URL(`../../test/fixtures/api/lunanode/${name}.json`, import.meta.url), 'utf8')
const API_ID = 'abcdefghij012345'
const API_KEY = 'k'.repeat(64) + '0123456789abcdef'.repeat(4)
const NOW = 1_700_000_000_000

interface Call {
  readonly url: string
  readonly handler: string
  readonly req: Record<string, unknown>
  readonly nonce: string
  readonly signatureOk: boolean
}

function rig(replies: Record<string, string | (() => string)>) {
  const calls: Call[] = []
  const send: HttpSend = async (request) => {
    const form = new URLSearchParams(await request.text())
    const handler = form.get('handler') ?? ''
    const req = form.get('req') ?? ''
    const nonce = form.get('nonce') ?? ''
    // The documented formula: hex(HMAC-SHA512(api_key, handler + "|" + req + "|" + nonce)).
    const expected = createHmac('sha512', API_KEY).update(`${handler}|${req}|${nonce}`).digest('hex')
    calls.push({
      url: request.url,
      handler,
      req: JSON.parse(req) as Record<string, unknown>,
      nonce,
      signatureOk: form.get('signature') === expected,
    })
    const reply = replies[handler]
    const body =
      reply === undefined ? fixture('error-signature') : fixture(typeof reply === 'string' ? reply : reply())
    return new Response(body, { headers: { 'content-type': 'application/json' } })
  }
  const clock = createVirtualClock(NOW)
  const rng = createSeededRng('lunanode')
  const ctx = {
    session: createHttpSession({ send, clock, rng }, { minIntervalMs: 0 }),
    network: networkParams('bitcoin'),
    clock,
    rng,
    log: createMemoryLogger(),
  }
  return { calls, ctx }
}

const driver = createLunanodeDriver({ apiId: API_ID, apiKey: API_KEY })
const account = (data: Record<string, string>): PurchaseAccount => ({
  purchaseId: 'p',
  provider: 'lunanode',
  optionId: '1',
  settings: { hostname: 'h.example.org' },
  data,
})

describe('LunaNode driver', () => {
  it('signs plan/list as documented and prices the hourly plans per 730-hour month', async () => {
    const { ctx, calls } = rig({ 'plan/list/': 'plan-list' })
    const options = await driver.options(ctx)
    expect(options.map((o) => [o.id, o.name, o.cores, o.memoryGB, o.storageGB, o.price.cents])).toEqual([
      ['1', 's.1', 1, 1, 20, 358n],
      ['2', 's.2', 1, 2, 40, 709n],
    ])
    expect(calls).toEqual([
      {
        url: 'https://dynamic.lunanode.com/api/plan/list/',
        handler: 'plan/list/',
        req: { api_id: API_ID, api_partialkey: API_KEY.slice(0, 64) },
        nonce: String(NOW / 1000),
        signatureOk: true,
      },
    ])
  })

  it('converts hourly dollars to monthly cents exactly, rounding up', () => {
    expect(hourlyToMonthCents('0.0049')).toBe(358n) // 3.577 $
    expect(hourlyToMonthCents('0.01')).toBe(730n)
    expect(hourlyToMonthCents('1')).toBe(73_000n)
  })

  it('refuses to order with CLOUDOMATE_FUNDING_REQUIRED and sends nothing', async () => {
    const { ctx, calls } = rig({ 'plan/list/': 'plan-list' })
    const [option] = await driver.options(ctx)
    const err = await driver.order(ctx, option!, account({})).catch((e: unknown) => e)
    expect(errorCode(err)).toBe('CLOUDOMATE_FUNDING_REQUIRED')
    expect(String(err)).toContain('no payment API')
    expect(calls).toHaveLength(1)
  })

  it('creates the VM once from the funded credit, then waits until it is online', async () => {
    let info = 'vm-info-building'
    const { ctx, calls } = rig({
      'image/list/': 'image-list',
      'vm/create/': 'vm-create',
      'vm/info/': () => info,
    })
    const created = await driver.state(ctx, account({}))
    expect(created).toEqual({
      kind: 'pending',
      status: 'created',
      data: { vmId: '7c8f6b0e-2d4a-4f7e-9d2c-1a3b5c7d9e0f' },
    })
    expect(calls.find((c) => c.handler === 'vm/create/')?.req).toMatchObject({
      hostname: 'h.example.org',
      region: 'toronto',
      plan_id: '1',
      image_id: '12',
    })
    const acc = account({ vmId: '7c8f6b0e-2d4a-4f7e-9d2c-1a3b5c7d9e0f' })
    expect((await driver.state(ctx, acc)).kind).toBe('pending')
    info = 'vm-info-online'
    expect(await driver.state(ctx, acc)).toEqual({
      kind: 'active',
      ip: '203.0.113.9',
      data: { vmId: '7c8f6b0e-2d4a-4f7e-9d2c-1a3b5c7d9e0f' },
    })
    expect(calls.every((c) => c.signatureOk)).toBe(true)
    // Calls within one virtual second still get strictly increasing nonces.
    const nonces = calls.map((c) => Number(c.nonce))
    expect(nonces).toEqual([...nonces].sort((a, b) => a - b))
    expect(new Set(nonces).size).toBe(nonces.length)
    expect(calls.filter((c) => c.handler === 'vm/create/')).toHaveLength(1)
  })

  it('rejects an error reply, a malformed plan list and bad credentials with codes', async () => {
    const bad = rig({})
    const err = await driver.options(bad.ctx).catch((e: unknown) => e)
    expect(errorCode(err)).toBe('CLOUDOMATE_API_ERROR')
    expect(String(err)).toContain('Invalid signature.')
    const malformed = rig({ 'plan/list/': 'plan-list-malformed' })
    expect(errorCode(await driver.options(malformed.ctx).catch((e: unknown) => e))).toBe(
      'CLOUDOMATE_API_ERROR',
    )
    const short = createLunanodeDriver({ apiId: 'short', apiKey: API_KEY })
    expect(errorCode(await short.options(bad.ctx).catch((e: unknown) => e))).toBe(
      'CLOUDOMATE_SETTINGS_INVALID',
    )
    expect(
      errorCode(
        await createLunanodeDriver()
          .options(bad.ctx)
          .catch((e: unknown) => e),
      ),
    ).toBe('CLOUDOMATE_SETTINGS_INVALID')
  })
})

describe('LunaNode plan list numbers', () => {
  /** The driver's `options()` against one plan-list body (every request gets it). */
  async function optionsFrom(body: string): Promise<unknown> {
    const send: HttpSend = async () => new Response(body, { headers: { 'content-type': 'application/json' } })
    const clock = createVirtualClock(NOW)
    const rng = createSeededRng('lunanode-num')
    const ctx = {
      session: createHttpSession({ send, clock, rng }, { minIntervalMs: 0 }),
      network: networkParams('bitcoin'),
      clock,
      rng,
      log: createMemoryLogger(),
    }
    return driver.options(ctx).catch((e: unknown) => e)
  }
  const plan = (price: string): string =>
    `{"success":"yes","plans":[{"plan_id":"1","name":"s.1","vcpu":"1","price":${price},"ram":"1024","storage":"20"}]}`

  it('refuses a price given as a number whose text is not a plain decimal (found by the fuzz suite)', async () => {
    for (const price of ['1e308', '-1e308', '-1', '1e-7'])
      expect(errorCode(await optionsFrom(plan(price))), price).toBe('CLOUDOMATE_API_ERROR')
  })

  it('still reads a price given as a plain JSON number', async () => {
    const options = (await optionsFrom(plan('0.0049'))) as { price: { cents: bigint } }[]
    expect(options[0]?.price.cents).toBe(hourlyToMonthCents('0.0049'))
  })
})
