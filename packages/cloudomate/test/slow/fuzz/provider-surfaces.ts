/**
 * Fuzz surfaces of three more providers' replies, through the real drivers, session and `callJson`:
 * BitLaunch's and SporeStack's plan lists (`options`) and AzireVPN's WireGuard set-up
 * (`configuration`: its IP and location replies). One reply of a flow is fuzzed, the others are
 * answered correctly. A third-party format strips unknown keys (STYLE.md §1.6), so the oracle judges
 * what the driver turns into our values: a plan whose cores, memory, disk or price is not a usable
 * number, or a WireGuard address, DNS server or endpoint host that is not one (it is written into a
 * wg-quick file, where a line break would add a `PostUp` command), must be refused.
 */
import { isIP } from 'node:net'
import { createMemoryLogger, createSeededRng, createVirtualClock } from '@dolly/base'
import { networkParams } from '@dolly/wallet'
import fc from 'fast-check'
import {
  anyJson,
  jsonCases,
  type Expect,
  type FuzzCase,
  type Surface,
  type Verdict,
} from '../../../../base/test/support/fuzz-harness.ts'
import { createBitlaunchDriver } from '../../../src/api/bitlaunch.ts'
import { createSporestackDriver } from '../../../src/api/sporestack.ts'
import { createHttpSession } from '../../../src/http/session.ts'
import type { DriverContext, PurchaseAccount } from '../../../src/providers/driver.ts'
import { createAzirevpnDriver } from '../../../src/vpn/azirevpn.ts'

/** One HTTP exchange of a flow: method and path, and the JSON body a correct provider answers. */
interface Route {
  readonly method: string
  readonly path: string
  readonly body: unknown
}

/** The fuzzed reply: which route it answers, with what status and body text. */
interface Reply {
  readonly route: number
  readonly status: number
  readonly body: string
}

function contextAnswering(routes: readonly Route[], reply: Reply): DriverContext {
  const clock = createVirtualClock(1_700_000_000_000)
  const rng = createSeededRng('fuzz-provider')
  const send = async (request: Request): Promise<Response> => {
    const path = new URL(request.url).pathname
    const i = routes.findIndex((r) => r.method === request.method && r.path === path)
    const json = { 'content-type': 'application/json' }
    if (i === -1) return new Response('{"detail":"Not Found"}', { status: 404, headers: json })
    if (i === reply.route) return new Response(reply.body, { status: reply.status, headers: json })
    return new Response(JSON.stringify(routes[i]?.body), { status: 200, headers: json })
  }
  return {
    session: createHttpSession({ send, clock, rng }, { minIntervalMs: 0 }),
    network: networkParams('bitcoin'),
    clock,
    rng,
    log: createMemoryLogger(),
  }
}

/**
 * Cases over a flow's replies: each route's valid body, its structural and textual mutants (judged
 * by `judge` on the mutant's JSON), arbitrary JSON (judged too), and error statuses (always refused).
 */
function replyCases(routes: readonly Route[], judge: (route: number, body: unknown) => Expect) {
  const perRoute = routes.map((r, i) =>
    jsonCases([r.body], (m) => judge(i, m.value), { textChanged: 'any', arbitrary: 'any' }).map(
      (c): FuzzCase<Reply> => {
        // A text mutant that is no longer JSON is passed as is; every other case is a JSON value
        // (an arbitrary string included, which a raw body would turn back into some other JSON).
        const notJson = c.label.endsWith('(not JSON)') && typeof c.input === 'string'
        const text = notJson ? (c.input as string) : (JSON.stringify(c.input) ?? '')
        const expect: Expect =
          c.expect === 'valid'
            ? 'valid'
            : notJson
              ? 'invalid'
              : c.label === 'arbitrary' || !c.label.startsWith('json:')
                ? judge(i, c.input)
                : c.expect
        return {
          input: { route: i, status: 200, body: text },
          expect,
          label: `${r.path}:${c.label.split('@')[0] ?? ''}`,
        }
      },
    ),
  )
  const index = fc.nat({ max: routes.length - 1 })
  return fc.oneof(
    { weight: 8, arbitrary: index.chain((i) => perRoute[i] as fc.Arbitrary<FuzzCase<Reply>>) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          index, // 4xx only: a 5xx is retried after a sleep on the virtual clock, which no one advances here.
          fc.constantFrom(400, 401, 402, 403, 404, 409, 422),
          anyJson,
        )
        .map(([i, status, body]): FuzzCase<Reply> => ({
          input: { route: i, status, body: JSON.stringify(body) ?? '' },
          expect: 'invalid',
          label: `http-${status}`,
        })),
    },
  )
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
const positive = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v > 0
const count = (v: unknown): boolean => typeof v === 'number' && Number.isSafeInteger(v) && v >= 1
const amount = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v >= 0
const optional = (v: unknown, ok: (v: unknown) => boolean): boolean => v === undefined || ok(v)

/** A plan the agent could buy from: whole cores ≥ 1, memory and disk > 0, a price ≥ 0. */
function usablePlan(cores: unknown, memory: unknown, disk: unknown, price: unknown): boolean {
  return count(cores) && positive(memory) && positive(disk) && amount(price)
}

/** `createBitlaunchDriver().options()`: `GET /hosts-create-options/4`. */
export function bitlaunchSurface(): Surface<Reply> {
  const routes: Route[] = [
    {
      method: 'GET',
      path: '/api/hosts-create-options/4',
      body: {
        image: [{ id: '10000', name: 'Ubuntu', versions: [{ id: '10001', description: '22.04' }] }],
        region: [{ id: 'lon1', subregions: [{ id: 'lon1-a' }] }],
        size: [
          {
            id: 'nibble-1024',
            cpuCount: 1,
            memoryMB: 1024,
            diskGB: 25,
            bandwidthGB: 1000,
            costPerMonth: 1000,
          },
          { id: 'nibble-2048', cpuCount: 2, memoryMB: 2048, diskGB: 50, costPerMonth: 1800.5 },
        ],
        extra: 'stripped',
      },
    },
  ]
  const judge = (_route: number, body: unknown): Expect => {
    const sizes = isObject(body) ? body['size'] : undefined
    if (!Array.isArray(sizes)) return 'any'
    const bad = sizes.some(
      (s) =>
        isObject(s) &&
        typeof s['id'] === 'string' &&
        (!usablePlan(s['cpuCount'], s['memoryMB'], s['diskGB'], s['costPerMonth']) ||
          !optional(s['bandwidthGB'], amount) ||
          s['id'] === ''),
    )
    return bad ? 'invalid' : 'any'
  }
  const driver = createBitlaunchDriver({ baseUrl: 'https://bitlaunch.example/api', token: 'T0K3N-T0K3N' })
  return {
    name: 'BitLaunch replies',
    cases: replyCases(routes, judge),
    parse: async (reply): Promise<Verdict> => ({
      ok: true,
      value: await driver.options(contextAnswering(routes, reply)),
    }),
  }
}

/** `createSporestackDriver().options()`: `GET /flavors`, in both shapes the API has used. */
export function sporestackSurface(): Surface<Reply> {
  const flavors = {
    'vps-1vcpu-1gb': { cores: 1, memory: 1024, disk: 25, price: 25, bandwidth_per_month: 1 },
    'vps-2vcpu-4gb': { cores: 2, memory: 4096, disk: 80, price: 80, bandwidth: 4, ipv4: '/32' },
  }
  const routes: Route[] = [
    { method: 'GET', path: '/flavors', body: flavors },
    { method: 'GET', path: '/v2/flavors', body: { flavors } },
  ]
  const judge = (_route: number, body: unknown): Expect => {
    if (!isObject(body)) return 'any'
    const inner = isObject(body['flavors']) ? body['flavors'] : body
    // zod drops a `__proto__` key of a record (a third-party format strips what it cannot hold), so
    // a flavor by that name is not listed rather than refused.
    const bad = Object.entries(inner).some(
      ([slug, f]) =>
        slug !== '__proto__' &&
        isObject(f) &&
        (slug === '' ||
          !usablePlan(f['cores'], f['memory'], f['disk'], f['price']) ||
          !optional(f['bandwidth_per_month'], amount) ||
          !optional(f['bandwidth'], amount)),
    )
    return bad ? 'invalid' : 'any'
  }
  const drivers = [
    createSporestackDriver({ baseUrl: 'https://sporestack.example' }),
    createSporestackDriver({ baseUrl: 'https://sporestack.example/v2' }),
  ]
  return {
    name: 'SporeStack replies',
    cases: replyCases(routes, judge),
    parse: async (reply): Promise<Verdict> => ({
      ok: true,
      value: await drivers[reply.route]!.options(contextAnswering(routes, reply)),
    }),
  }
}

const HOSTNAME =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i
const netmask = (max: number) => (v: unknown) =>
  typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max

/**
 * `createAzirevpnDriver().configuration()`: `POST /v3/ips` then `GET /v3/locations`; the first
 * location is the peer. What lands in the wg-quick file must be an address, a DNS server, a host.
 */
export function azirevpnSurface(): Surface<Reply> {
  const pubkey = '3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08='
  const routes: Route[] = [
    {
      method: 'POST',
      path: '/v3/ips',
      body: {
        status: 'success',
        data: {
          id: 'ip-4b2d',
          ipv4_address: '10.0.12.34',
          ipv4_netmask: 19,
          ipv6_address: '2a0e:1c80:1337:1:10:0:12:34',
          ipv6_netmask: 64,
          dns: ['91.231.153.2', '2a0e:1c80::1'],
          device_name: null,
        },
      },
    },
    {
      method: 'GET',
      path: '/v3/locations',
      body: {
        status: 'success',
        locations: [
          {
            name: 'se-sto',
            city: 'Stockholm',
            country: 'Sweden',
            iso: 'se',
            pool: 'se-sto.azirevpn.net',
            pubkey,
          },
          { name: 'nl-ams', city: 'Amsterdam', country: 'Netherlands', pool: 'nl-ams.azirevpn.net', pubkey },
        ],
      },
    },
  ]
  const judge = (route: number, body: unknown): Expect => {
    if (!isObject(body)) return 'any'
    if (route === 0) {
      const d = body['data']
      if (!isObject(d)) return 'any'
      const ok =
        typeof d['ipv4_address'] === 'string' &&
        isIP(d['ipv4_address']) === 4 &&
        netmask(32)(d['ipv4_netmask']) &&
        optional(d['ipv6_address'], (v) => v === '' || (typeof v === 'string' && isIP(v) === 6)) &&
        optional(d['ipv6_netmask'], netmask(128)) &&
        Array.isArray(d['dns']) &&
        d['dns'].every((s) => typeof s === 'string' && isIP(s) !== 0)
      return ok ? 'any' : 'invalid'
    }
    const first = Array.isArray(body['locations']) ? (body['locations'][0] as unknown) : undefined
    if (!isObject(first)) return 'any'
    return typeof first['pool'] === 'string' && HOSTNAME.test(first['pool']) ? 'any' : 'invalid'
  }
  const driver = createAzirevpnDriver({ baseUrl: 'https://azirevpn.example', token: 'AZ-T0K3N' })
  const account: PurchaseAccount = {
    purchaseId: 'p',
    provider: 'azirevpn',
    optionId: '1month',
    settings: {},
    data: {},
  }
  return {
    name: 'AzireVPN replies',
    cases: replyCases(routes, judge),
    parse: async (reply): Promise<Verdict> => ({
      ok: true,
      value: await driver.configuration(contextAnswering(routes, reply), account),
    }),
  }
}
