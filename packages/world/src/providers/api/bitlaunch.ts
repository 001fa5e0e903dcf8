/**
 * A BitLaunch-like API provider (CLOUDOMATE.md §13): `Authorization: Bearer <token>`, a prepaid USD
 * balance topped up by crypto transactions, servers created from host options and billed by the
 * hour from the balance; when the balance runs out, the servers are deleted.
 */
import { formatBtc, type Clock, type Rng } from '@dolly/base'
import { z } from 'zod'
import { bip21 } from '../gateways/gateway.ts'
import { json, type HttpHandler } from '../http.ts'
import { isSettled, type Invoice } from '../invoice.ts'
import type { PaymentBook } from '../payment-book.ts'
import { centsToSats } from '../pricing.ts'
import { randomAlnum, randomHex } from '../random-text.ts'
import type { Fleet, FleetServer } from './fleet.ts'

/** A size of BitLaunch's own host (`hostID` 4); `costPerMonth` in US cents (730 h). */
export interface BitlaunchSize {
  readonly id: string
  readonly slug: string
  readonly cpuCount: number
  readonly memoryMB: number
  readonly diskGB: number
  readonly bandwidthGB: number
  readonly costPerMonth: number
}

/** The sizes the world's BitLaunch sells. */
export const BITLAUNCH_SIZES: readonly BitlaunchSize[] = [
  {
    id: 'nibble-1024',
    slug: 'nibble-1024',
    cpuCount: 1,
    memoryMB: 1024,
    diskGB: 25,
    bandwidthGB: 1000,
    costPerMonth: 730,
  },
  {
    id: 'byte-2048',
    slug: 'byte-2048',
    cpuCount: 2,
    memoryMB: 2048,
    diskGB: 50,
    bandwidthGB: 2000,
    costPerMonth: 1460,
  },
]

/** BitLaunch bills per hour of a 730-hour month. */
const HOURS_PER_MONTH = 730
const HOUR_MS = 3_600_000
const HOST_ID = 4

const accountSchema = z.object({ email: z.string().email() })
const txSchema = z.object({
  amountUsd: z.number().int().min(5).max(10_000),
  cryptoSymbol: z.string(),
  lightningNetwork: z.boolean().default(false),
})
const serverSchema = z.object({
  server: z.object({
    name: z.string().min(1).max(63),
    hostID: z.number().int(),
    HostImageID: z.string(),
    sizeID: z.string(),
    regionID: z.string(),
    sshKeys: z.array(z.string()).default([]),
    password: z.string().min(8).max(64).optional(),
    initscript: z.string().optional(),
  }),
})

interface Account {
  readonly id: string
  readonly email: string
  readonly token: string
  readonly transactions: string[]
  /** Spent on servers so far in cent·ms per hour (÷ HOUR_MS = cents), so billing stays integer. */
  spentCentMs: bigint
}

/** The BitLaunch-like service. */
export interface Bitlaunch {
  readonly handle: HttpHandler
  /** Bills running servers for the time since the last pass and deletes them when balances run out. */
  bill(): Promise<void>
}

/** Creates the BitLaunch-like API over a payment book and a fleet. */
export function createBitlaunch(
  deps: { book: PaymentBook; fleet: Fleet; clock: Clock; rng: Rng },
  options: { satsPerUsd: bigint },
): Bitlaunch {
  const accounts = new Map<string, Account>()
  const txInvoice = new Map<string, string>()
  let lastBillMs = deps.clock.nowMs()
  const hourlyCents = (size: BitlaunchSize): number => size.costPerMonth / HOURS_PER_MONTH
  // Balance in cents, rounded down: spending is tracked in cent·ms and a partial cent is still owed.
  const balanceCents = (a: Account): number => {
    const credited = a.transactions.reduce((sum, id) => {
      const inv = deps.book.get(txInvoice.get(id) ?? '')
      return inv !== undefined && isSettled(inv) ? sum + inv.priceCents : sum
    }, 0)
    const spentCents = (a.spentCentMs + BigInt(HOUR_MS) - 1n) / BigInt(HOUR_MS)
    return credited - Number(spentCents)
  }
  const refreshAll = async (a: Account): Promise<void> => {
    await Promise.all(a.transactions.map((id) => deps.book.refresh(txInvoice.get(id) ?? '')))
  }
  const txJson = (id: string, inv: Invoice): Record<string, unknown> => ({
    id,
    transactionId: inv.id,
    address: inv.address,
    cryptoSymbol: 'BTC',
    amountUsd: inv.priceCents / 100,
    amountCrypto: formatBtc(inv.amountSats, { trim: true }),
    paymentUri: bip21(inv.address, inv.amountSats),
    status: isSettled(inv)
      ? 'Confirmed'
      : inv.status === 'expired'
        ? 'Expired'
        : inv.status === 'paid'
          ? 'Pending Confirmation'
          : 'Pending',
    statusUrl: `/api/transactions/${id}`,
    date: Math.floor(inv.createdMs / 1000),
  })
  const serverJson = (s: FleetServer): Record<string, unknown> => ({
    id: s.id,
    name: s.hostname,
    hostID: HOST_ID,
    sizeID: s.plan,
    ipv4: s.state.kind === 'running' ? s.state.ip : '',
    status: s.state.kind === 'running' ? 'ok' : s.state.kind === 'deleted' ? 'deleted' : 'pending',
    created: Math.floor(s.createdMs / 1000),
  })
  const fail = (status: number, message: string): Response => json({ message }, status)
  const body = async (request: Request): Promise<unknown> => {
    try {
      return await request.json()
    } catch {
      return undefined
    }
  }
  const handle: HttpHandler = async (request) => {
    const url = new URL(request.url)
    const path = url.pathname.replace(/\/$/, '')
    // World-only: the real BitLaunch issues API tokens in its web account settings.
    if (request.method === 'POST' && path === '/api/accounts') {
      const input = accountSchema.safeParse(await body(request))
      if (!input.success) return fail(400, 'a valid email is required')
      const a: Account = {
        id: randomHex(deps.rng, 24),
        email: input.data.email,
        token: randomAlnum(deps.rng, 48),
        transactions: [],
        spentCentMs: 0n,
      }
      accounts.set(a.token, a)
      return json({ id: a.id, email: a.email, token: a.token }, 201)
    }
    const auth = /^Bearer:? (.+)$/.exec(request.headers.get('authorization') ?? '')
    const a = auth === null ? undefined : accounts.get(auth[1] ?? '')
    if (a === undefined) return fail(401, 'Unauthorized')
    if (request.method === 'GET' && path === '/api/user') {
      await refreshAll(a)
      const costPerHr = deps.fleet
        .list(a.id)
        .filter((s) => s.state.kind !== 'deleted')
        .reduce((sum, s) => {
          const size = BITLAUNCH_SIZES.find((z) => z.id === s.plan)
          return sum + (size === undefined ? 0 : hourlyCents(size))
        }, 0)
      return json({ id: a.id, email: a.email, balance: balanceCents(a), costPerHr, limit: 10 })
    }
    if (request.method === 'POST' && path === '/api/transactions') {
      const input = txSchema.safeParse(await body(request))
      if (!input.success) return fail(400, 'amountUsd must be a whole number from 5 to 10000')
      if (input.data.cryptoSymbol.toUpperCase() !== 'BTC')
        return fail(400, `unsupported crypto ${input.data.cryptoSymbol}`)
      if (input.data.lightningNetwork) return fail(400, 'Lightning payments are not available in this world')
      const cents = input.data.amountUsd * 100
      const inv = await deps.book.create({
        orderId: `topup-${a.id.slice(0, 8)}`,
        amountSats: centsToSats(cents, options.satsPerUsd),
        priceCents: cents,
      })
      const id = randomHex(deps.rng, 24)
      txInvoice.set(id, inv.id)
      a.transactions.push(id)
      return json(txJson(id, inv), 201)
    }
    const tx = /^\/api\/transactions\/([0-9a-f]+)$/.exec(path)
    if (request.method === 'GET' && tx !== null && a.transactions.includes(tx[1] ?? '')) {
      const inv = await deps.book.refresh(txInvoice.get(tx[1] ?? '') ?? '')
      return inv === undefined ? fail(404, 'not found') : json(txJson(tx[1] ?? '', inv))
    }
    const opts = /^\/api\/hosts-create-options\/(\d+)$/.exec(path)
    if (request.method === 'GET' && opts !== null) {
      if (Number(opts[1]) !== HOST_ID) return fail(404, 'unknown host')
      return json({
        hostID: HOST_ID,
        image: [
          {
            id: '10000',
            name: 'Debian',
            type: 'linux',
            versions: [{ id: '10001', description: 'Debian 12' }],
          },
        ],
        region: [{ id: 'world', name: 'The World', subregions: [{ id: 'world-1', description: 'World 1' }] }],
        size: BITLAUNCH_SIZES.map((s) => ({ ...s, costPerHr: hourlyCents(s) })),
      })
    }
    if (request.method === 'GET' && path === '/api/servers')
      return json(deps.fleet.list(a.id).map(serverJson))
    if (request.method === 'POST' && path === '/api/servers') {
      const input = serverSchema.safeParse(await body(request))
      if (!input.success)
        return fail(400, `invalid server: ${input.error.issues.map((i) => i.path.join('.')).join(', ')}`)
      const s = input.data.server
      const size = BITLAUNCH_SIZES.find((z) => z.id === s.sizeID)
      if (s.hostID !== HOST_ID || size === undefined) return fail(400, 'unknown host or size')
      if (s.password === undefined && s.sshKeys.length === 0)
        return fail(400, 'a password or an SSH key is required')
      await refreshAll(a)
      // BitLaunch refuses a server the balance cannot run for an hour.
      if (balanceCents(a) < Math.ceil(hourlyCents(size)))
        return fail(402, 'Insufficient balance to create this server')
      const server = deps.fleet.launch({
        id: randomHex(deps.rng, 24),
        ownerId: a.id,
        hostname: s.name,
        rootPassword: s.password ?? randomAlnum(deps.rng, 24),
        sshKeys: s.sshKeys,
        plan: size.id,
        expiresMs: null,
      })
      return json(serverJson(server), 201)
    }
    const sm = /^\/api\/servers\/([0-9a-f]+)$/.exec(path)
    const server = sm === null ? undefined : deps.fleet.get(sm[1] ?? '')
    if (server === undefined || server.ownerId !== a.id) return fail(404, 'server not found')
    if (request.method === 'GET') return json(serverJson(server))
    if (request.method === 'DELETE') {
      await deps.fleet.remove(server.id, 'deleted')
      return new Response(null, { status: 200 })
    }
    return fail(405, 'method not allowed')
  }
  return {
    handle,
    async bill() {
      const now = deps.clock.nowMs()
      const elapsed = BigInt(Math.max(0, now - lastBillMs))
      lastBillMs = now
      for (const a of accounts.values()) {
        const running = deps.fleet.list(a.id).filter((s) => s.state.kind === 'running')
        if (running.length === 0) continue
        for (const s of running) {
          const size = BITLAUNCH_SIZES.find((z) => z.id === s.plan)
          // Owed cent·ms (÷ HOUR_MS = cents): rounds down by under one cent·ms per pass, negligible.
          if (size !== undefined)
            a.spentCentMs += (elapsed * BigInt(size.costPerMonth)) / BigInt(HOURS_PER_MONTH)
        }
        await refreshAll(a)
        if (balanceCents(a) <= 0) for (const s of running) await deps.fleet.remove(s.id, 'expired')
      }
    },
  }
}
