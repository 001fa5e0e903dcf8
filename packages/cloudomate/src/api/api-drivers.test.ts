/**
 * The SporeStack and BitLaunch drivers against replies written from their public API documentation
 * (CLOUDOMATE.md §13), not recordings: no live account was used. The world's providers exercise the
 * same drivers live in test/integration/api-world.test.ts.
 */
import { createMemoryLogger, createSeededRng, createVirtualClock, errorCode } from '@dolly/base'
import { networkParams } from '@dolly/wallet'
import { describe, expect, it } from 'vitest'
import { createHttpSession, type HttpSend } from '../http/session.ts'
import type { PurchaseAccount } from '../providers/driver.ts'
import { createBitlaunchDriver } from './bitlaunch.ts'
import { createSporestackDriver } from './sporestack.ts'

const ADDR = '1B7dwaVZrEfwKXoLf1VNq7nXZvnKk7xzHZ'
type Route = (request: Request, body: unknown) => { status?: number; json: unknown } | undefined

function ctxFor(routes: Route) {
  const calls: string[] = []
  const send: HttpSend = async (request) => {
    const text = await request.text()
    const body = text === '' ? undefined : (JSON.parse(text) as unknown)
    calls.push(
      `${request.method} ${new URL(request.url).pathname} ${request.headers.get('authorization') ?? ''}`.trim(),
    )
    const r = routes(request, body)
    if (r === undefined) return new Response('{"detail":"Not Found"}', { status: 404 })
    return new Response(JSON.stringify(r.json), {
      status: r.status ?? 200,
      headers: { 'content-type': 'application/json' },
    })
  }
  const clock = createVirtualClock(1_700_000_000_000)
  const rng = createSeededRng('api')
  return {
    calls,
    ctx: {
      session: createHttpSession({ send, clock, rng }, { minIntervalMs: 0 }),
      network: networkParams('bitcoin'),
      clock,
      rng,
      log: createMemoryLogger(),
    },
  }
}

const account = (data: Record<string, string>, settings: Record<string, string> = {}): PurchaseAccount => ({
  purchaseId: 'p',
  provider: 'x',
  optionId: 'vps-1vcpu-1gb',
  settings,
  data,
})

describe('SporeStack driver', () => {
  it('lists flavors priced per day, tops up whole dollars for the days, and launches once the balance covers them', async () => {
    let balance = 0
    const { ctx, calls } = ctxFor((req, body) => {
      const path = new URL(req.url).pathname
      if (path === '/flavors')
        return {
          json: {
            'vps-1vcpu-1gb': {
              cores: 1,
              memory: 1024,
              disk: 25,
              price: 25,
              ipv4: '/32',
              ipv6: '/64',
              bandwidth_per_month: 1,
            },
          },
        }
      if (path.endsWith('/add')) {
        expect(body).toEqual({ currency: 'btc', dollars: 8 })
        return {
          json: {
            token: 'x',
            payment: { txid: null, uri: `bitcoin:${ADDR}?amount=0.00008`, usd: '$8.00', paid: false },
          },
        }
      }
      if (path.endsWith('/servers') && req.method === 'GET') return { json: { servers: [] } }
      if (path.endsWith('/balance')) return { json: { cents: balance, usd: '' } }
      if (path.endsWith('/servers') && req.method === 'POST') {
        expect(body).toMatchObject({
          days: 30,
          flavor: 'vps-1vcpu-1gb',
          operating_system: 'debian-12',
          ssh_key: 'ssh-ed25519 AAAA',
        })
        return { json: { machine_id: 'm1', expiration: 1_800_000_000 } }
      }
      return undefined
    })
    const driver = createSporestackDriver({ baseUrl: 'https://api.example' })
    const [option] = await driver.options(ctx)
    expect(option).toMatchObject({
      id: 'vps-1vcpu-1gb',
      cores: 1,
      memoryGB: 1,
      storageGB: 25,
      price: { cents: 25n, period: 'day' },
    })
    expect(driver.chargeCents?.(option!)).toBe(800n)
    const order = await driver.order(ctx, option!, account({}))
    expect(order.quote).toMatchObject({ address: ADDR, amountSats: 8_000n })
    expect(order.data['token']).toMatch(/^[0-9a-f]{64}$/)
    const acc = account(
      { token: order.data['token']!, flavor: 'vps-1vcpu-1gb' },
      { ssh_public_key: 'ssh-ed25519 AAAA' },
    )
    expect(await driver.state(ctx, acc)).toEqual({
      kind: 'pending',
      status: 'waiting for the top-up to confirm',
    })
    balance = 800
    expect(await driver.state(ctx, acc)).toEqual({
      kind: 'pending',
      status: 'launched',
      data: { machineId: 'm1' },
    })
    expect(calls.filter((c) => c.startsWith('POST') && c.includes('/servers'))).toHaveLength(1)
  })

  it('reports an API error reply as CLOUDOMATE_API_ERROR with its detail', async () => {
    const { ctx } = ctxFor((req) =>
      new URL(req.url).pathname === '/flavors' ? { status: 429, json: { detail: 'slow down' } } : undefined,
    )
    const driver = createSporestackDriver({ baseUrl: 'https://api.example' })
    const pending = driver.options(ctx).catch((e: unknown) => errorCode(e))
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setImmediate(r))
      await ctx.clock.runNext()
    }
    expect(await pending).toBe('CLOUDOMATE_API_ERROR')
  })
})

describe('BitLaunch driver', () => {
  const createOptions = {
    hostID: 4,
    image: [
      { id: '10000', name: 'Ubuntu', type: 'linux', versions: [{ id: '10001', description: '22.04' }] },
    ],
    region: [{ id: 'ams', name: 'Amsterdam', subregions: [{ id: 'ams3', description: 'AMS3' }] }],
    size: [
      {
        id: 'nibble-1024',
        slug: 'nibble-1024',
        cpuCount: 1,
        memoryMB: 1024,
        diskGB: 25,
        bandwidthGB: 1000,
        costPerMonth: 730,
      },
    ],
  }

  it('sends the Bearer token, tops up, creates the server with the root password, and reads its IP', async () => {
    let balance = 0
    let serverStatus = 'pending'
    const { ctx, calls } = ctxFor((req, body) => {
      const path = new URL(req.url).pathname
      if (req.headers.get('authorization') !== 'Bearer T0K3N')
        return { status: 401, json: { message: 'Unauthorized' } }
      if (path === '/api/hosts-create-options/4') return { json: createOptions }
      if (path === '/api/transactions') {
        expect(body).toEqual({ amountUsd: 8, cryptoSymbol: 'BTC', lightningNetwork: false })
        return {
          status: 201,
          json: {
            id: 'tx1',
            transactionId: 't',
            address: ADDR,
            cryptoSymbol: 'BTC',
            amountUsd: 8,
            amountCrypto: '0.00008',
            status: 'Pending',
            statusUrl: '/api/transactions/tx1',
          },
        }
      }
      if (path === '/api/user') return { json: { id: 'u', email: 'e', balance, costPerHr: 0, limit: 10 } }
      if (path === '/api/servers' && req.method === 'POST') {
        expect(body).toEqual({
          server: {
            name: 'h.example.org',
            hostID: 4,
            HostImageID: '10001',
            sizeID: 'nibble-1024',
            regionID: 'ams3',
            sshKeys: [],
            password: 'R00tPassw0rd',
          },
        })
        return { status: 201, json: { id: 's1', ipv4: '', status: 'pending' } }
      }
      if (path === '/api/servers/s1')
        return { json: { id: 's1', ipv4: serverStatus === 'ok' ? '203.0.113.7' : '', status: serverStatus } }
      return undefined
    })
    const driver = createBitlaunchDriver({ baseUrl: 'https://bl.example/api', token: 'T0K3N' })
    const [option] = await driver.options(ctx)
    expect(option).toMatchObject({
      id: 'nibble-1024',
      cores: 1,
      memoryGB: 1,
      storageGB: 25,
      bandwidthTBPerMonth: 1,
      price: { cents: 730n, period: 'month' },
    })
    const order = await driver.order(ctx, option!, account({}))
    expect(order.quote).toMatchObject({ address: ADDR, amountSats: 8_000n, invoiceId: 'tx1' })
    const settings = { hostname: 'h.example.org', root_password: 'R00tPassw0rd' }
    const acc = { ...account({ token: 'T0K3N', size: 'nibble-1024' }, settings), optionId: 'nibble-1024' }
    expect((await driver.state(ctx, acc)).kind).toBe('pending')
    balance = 800
    expect(await driver.state(ctx, acc)).toEqual({
      kind: 'pending',
      status: 'created',
      data: { serverId: 's1' },
    })
    const created = { ...acc, data: { ...acc.data, serverId: 's1' } }
    expect((await driver.state(ctx, created)).kind).toBe('pending')
    serverStatus = 'ok'
    expect(await driver.state(ctx, created)).toEqual({
      kind: 'active',
      ip: '203.0.113.7',
      rootPassword: 'R00tPassw0rd',
    })
    expect(calls.every((c) => c.endsWith('Bearer T0K3N'))).toBe(true)
  })
})

describe('plan lists that are no plans', () => {
  const size = { id: 'nibble-1024', cpuCount: 1, memoryMB: 1024, diskGB: 25, costPerMonth: 1000 }
  const flavor = { cores: 1, memory: 1024, disk: 25, price: 25 }
  const bitlaunchWith = (bad: Record<string, unknown>) =>
    ctxFor((req) =>
      new URL(req.url).pathname === '/hosts-create-options/4'
        ? { json: { image: [], region: [], size: [{ ...size, ...bad }] } }
        : undefined,
    ).ctx
  const sporestackWith = (bad: Record<string, unknown>) =>
    ctxFor((req) =>
      new URL(req.url).pathname === '/flavors' ? { json: { 'vps-1': { ...flavor, ...bad } } } : undefined,
    ).ctx
  const bad = [
    { cores: -1 },
    { cores: 0.1 },
    { cores: 0 },
    { memory: -1e308 },
    { disk: 0 },
    { price: -1 },
    { bandwidth: -1 },
  ]

  it.each(bad)('BitLaunch refuses a size with %o (as its own field) with CLOUDOMATE_API_ERROR', async (b) => {
    const [[key, value]] = Object.entries(b) as [[string, unknown]]
    const field = {
      cores: 'cpuCount',
      memory: 'memoryMB',
      disk: 'diskGB',
      price: 'costPerMonth',
      bandwidth: 'bandwidthGB',
    }[key]
    const driver = createBitlaunchDriver({ baseUrl: 'https://api.example', token: 'T0K3N-T0K3N' })
    const got = await driver.options(bitlaunchWith({ [field ?? key]: value })).catch((e: unknown) => e)
    expect(errorCode(got)).toBe('CLOUDOMATE_API_ERROR')
  })

  it.each(bad)('SporeStack refuses a flavor with %o with CLOUDOMATE_API_ERROR', async (b) => {
    const driver = createSporestackDriver({ baseUrl: 'https://api.example' })
    const got = await driver.options(sporestackWith(b)).catch((e: unknown) => e)
    expect(errorCode(got)).toBe('CLOUDOMATE_API_ERROR')
  })

  it('still reads a plan of each', async () => {
    const bl = createBitlaunchDriver({ baseUrl: 'https://api.example', token: 'T0K3N-T0K3N' })
    expect(await bl.options(bitlaunchWith({}))).toHaveLength(1)
    const ss = createSporestackDriver({ baseUrl: 'https://api.example' })
    expect(await ss.options(sporestackWith({}))).toHaveLength(1)
  })
})
