/**
 * A SporeStack-like API provider (CLOUDOMATE.md §13): a client-made token in the path is the whole
 * account; `POST /token/{token}/add` returns a BIP21 URI to top the balance up; servers are bought
 * for a number of days from that balance and die when the days run out. SSH key only.
 */
import { formatBtc, type Clock, type Rng } from '@dolly/base'
import { z } from 'zod'
import { DAY_MS } from '../constants.ts'
import { bip21 } from '../gateways/gateway.ts'
import { json, type HttpHandler } from '../http.ts'
import { isSettled } from '../invoice.ts'
import type { PaymentBook } from '../payment-book.ts'
import { centsToSats } from '../pricing.ts'
import { randomAlnum, randomHex } from '../random-text.ts'
import { isoInstant } from '../calendar.ts'
import type { Fleet, FleetServer } from './fleet.ts'

/** A SporeStack flavor; `price` is US cents per day. */
export interface SporeFlavor {
  readonly slug: string
  readonly cores: number
  readonly memory: number
  readonly disk: number
  readonly price: number
  readonly bandwidth_per_month: number
}

/** The flavors the world's SporeStack sells. */
export const SPORE_FLAVORS: readonly SporeFlavor[] = [
  { slug: 'vps-1vcpu-1gb', cores: 1, memory: 1024, disk: 25, price: 25, bandwidth_per_month: 1 },
  { slug: 'vps-2vcpu-2gb', cores: 2, memory: 2048, disk: 50, price: 48, bandwidth_per_month: 2 },
]

const TOKEN_RE = /^[A-Za-z0-9_-]{16,128}$/
const addSchema = z.object({
  currency: z.string(),
  dollars: z.number().int().min(5).max(10_000),
  affiliate_token: z.string().nullish(),
})
const launchSchema = z.object({
  days: z.number().int().min(1).max(90),
  flavor: z.string(),
  ssh_key: z.string().regex(/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp256) [A-Za-z0-9+/=]+( .*)?$/),
  operating_system: z.string(),
  region: z.string().nullish(),
  hostname: z.string().max(63).default(''),
  autorenew: z.boolean().default(false),
})
const topupSchema = z.object({ days: z.number().int().min(1).max(90) })

interface Account {
  readonly invoiceIds: string[]
  spentCents: number
}

/** The SporeStack-like service. */
export interface SporeStack {
  readonly handle: HttpHandler
  /** Refreshes the balances' invoices (the provider's loop calls it). */
  refresh(): Promise<void>
}

/** Creates the SporeStack-like API over a payment book and a fleet. */
export function createSporeStack(
  deps: { book: PaymentBook; fleet: Fleet; clock: Clock; rng: Rng },
  options: { satsPerUsd: bigint },
): SporeStack {
  const accounts = new Map<string, Account>()
  const account = (token: string): Account => {
    let a = accounts.get(token)
    if (a === undefined) {
      a = { invoiceIds: [], spentCents: 0 }
      accounts.set(token, a)
    }
    return a
  }
  const balanceCents = (a: Account): number =>
    a.invoiceIds.reduce((sum, id) => {
      const inv = deps.book.get(id)
      return inv !== undefined && isSettled(inv) ? sum + inv.priceCents : sum
    }, 0) - a.spentCents
  const usd = (cents: number): string =>
    `$${Math.floor(cents / 100)}.${String(Math.abs(cents) % 100).padStart(2, '0')}`
  const detail = (status: number, message: string): Response => json({ detail: message }, status)
  const serverJson = (s: FleetServer): Record<string, unknown> => ({
    machine_id: s.id,
    hostname: s.hostname,
    flavor: SPORE_FLAVORS.find((f) => f.slug === s.plan) ?? { slug: s.plan },
    region: 'world',
    operating_system: 'debian-12',
    created_at: Math.floor(s.createdMs / 1000),
    expiration: s.expiresMs === null ? null : Math.floor(s.expiresMs / 1000),
    running: s.state.kind === 'running',
    deleted: s.state.kind === 'deleted',
    deleted_at: s.state.kind === 'deleted' ? Math.floor(s.state.atMs / 1000) : 0,
    ipv4: s.state.kind === 'running' ? s.state.ip : '',
    ipv6: '',
    autorenew: false,
  })
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
    if (request.method === 'GET' && path === '/flavors')
      return json({ flavors: Object.fromEntries(SPORE_FLAVORS.map((f) => [f.slug, f])) })
    if (request.method === 'GET' && path === '/operatingsystems')
      return json({ operating_systems: ['debian-12'] })
    if (request.method === 'GET' && path === '/regions')
      return json({ regions: { world: { slug: 'world', name: 'The World' } } })
    const m = /^\/token\/([^/]+)(\/.*)?$/.exec(path)
    if (m === null) return detail(404, 'Not Found')
    const token = m[1] ?? ''
    const rest = m[2] ?? ''
    if (!TOKEN_RE.test(token)) return detail(400, 'Invalid token.')
    const a = account(token)
    if (request.method === 'POST' && rest === '/add') {
      const input = addSchema.safeParse(await body(request))
      if (!input.success) return detail(422, 'dollars must be a whole number from 5 to 10000, currency btc')
      if (input.data.currency.toLowerCase() !== 'btc')
        return detail(400, `Unsupported currency ${input.data.currency}.`)
      const cents = input.data.dollars * 100
      const sats = centsToSats(cents, options.satsPerUsd)
      const invoice = await deps.book.create({
        orderId: `token-${token.slice(0, 8)}`,
        amountSats: sats,
        priceCents: cents,
      })
      a.invoiceIds.push(invoice.id)
      return json({
        token,
        payment: {
          id: invoice.id,
          txid: null,
          uri: bip21(invoice.address, sats),
          usd: usd(cents),
          paid: false,
          amount: formatBtc(sats, { trim: true }),
          expires: isoInstant(invoice.expiresMs),
        },
      })
    }
    if (request.method === 'GET' && rest === '/invoices') {
      const invoices = await Promise.all(a.invoiceIds.map((id) => deps.book.refresh(id)))
      return json({
        invoices: invoices.flatMap((inv) =>
          inv === undefined
            ? []
            : [
                {
                  id: inv.id,
                  uri: bip21(inv.address, inv.amountSats),
                  usd: usd(inv.priceCents),
                  paid: isSettled(inv),
                  expired: inv.status === 'expired',
                },
              ],
        ),
      })
    }
    if (request.method === 'GET' && (rest === '/balance' || rest === '/info')) {
      await Promise.all(a.invoiceIds.map((id) => deps.book.refresh(id)))
      const cents = balanceCents(a)
      if (rest === '/balance') return json({ cents, usd: usd(cents) })
      const servers = deps.fleet.list(token).filter((s) => s.state.kind !== 'deleted')
      return json({
        balance_cents: cents,
        balance_usd: usd(cents),
        burn_rate_cents: 0,
        burn_rate_usd: usd(0),
        days_remaining: 0,
        servers: servers.length,
      })
    }
    if (request.method === 'GET' && rest === '/servers')
      return json({ servers: deps.fleet.list(token).map(serverJson) })
    if (request.method === 'POST' && rest === '/servers') {
      const input = launchSchema.safeParse(await body(request))
      if (!input.success)
        return detail(
          422,
          `Invalid server request: ${input.error.issues.map((i) => i.path.join('.')).join(', ')}`,
        )
      const flavor = SPORE_FLAVORS.find((f) => f.slug === input.data.flavor)
      if (flavor === undefined) return detail(400, `Unknown flavor ${input.data.flavor}.`)
      if (input.data.operating_system !== 'debian-12')
        return detail(400, `Unknown operating system ${input.data.operating_system}.`)
      await Promise.all(a.invoiceIds.map((id) => deps.book.refresh(id)))
      const cost = flavor.price * input.data.days
      if (balanceCents(a) < cost)
        return detail(402, `Insufficient token balance: need ${usd(cost)}, have ${usd(balanceCents(a))}.`)
      a.spentCents += cost
      const id = randomHex(deps.rng, 64)
      const server = deps.fleet.launch({
        id,
        ownerId: token,
        hostname: input.data.hostname === '' ? `ss-${id.slice(0, 8)}` : input.data.hostname,
        // SSH key only: the root password is random and never shown to anyone.
        rootPassword: randomAlnum(deps.rng, 24),
        sshKeys: [input.data.ssh_key],
        plan: flavor.slug,
        expiresMs: deps.clock.nowMs() + input.data.days * DAY_MS,
      })
      return json({ ...serverJson(server), created: true }, 200)
    }
    const sm = /^\/servers\/([0-9a-f]+)(\/topup)?$/.exec(rest)
    const server = sm === null ? undefined : deps.fleet.get(sm[1] ?? '')
    if (sm === null || server === undefined || server.ownerId !== token)
      return detail(404, 'Server not found.')
    if (request.method === 'GET' && sm[2] === undefined) return json(serverJson(server))
    if (request.method === 'DELETE' && sm[2] === undefined) {
      await deps.fleet.remove(server.id, 'deleted')
      return json({ machine_id: server.id, deleted: true })
    }
    if (request.method === 'POST' && sm[2] === '/topup') {
      const input = topupSchema.safeParse(await body(request))
      if (!input.success) return detail(422, 'days must be a whole number from 1 to 90')
      if (server.state.kind === 'deleted' || server.expiresMs === null)
        return detail(400, 'Server is deleted.')
      const flavor = SPORE_FLAVORS.find((f) => f.slug === server.plan)
      const cost = (flavor?.price ?? 0) * input.data.days
      await Promise.all(a.invoiceIds.map((id) => deps.book.refresh(id)))
      if (balanceCents(a) < cost) return detail(402, `Insufficient token balance: need ${usd(cost)}.`)
      a.spentCents += cost
      const next = deps.fleet.setExpiry(server.id, server.expiresMs + input.data.days * DAY_MS)
      return json(next === undefined ? {} : serverJson(next))
    }
    return detail(405, 'Method Not Allowed')
  }
  return { handle, refresh: () => deps.book.refreshOpen() }
}
