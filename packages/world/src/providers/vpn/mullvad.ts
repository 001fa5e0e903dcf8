/**
 * A Mullvad-like VPN provider (CLOUDOMATE.md §14): numbered accounts without identity, time bought by
 * sending bitcoin to the account's address (the web page shows `1 month = X BTC` and a read-only
 * address input), WireGuard keys registered through the legacy `POST /wg/` form or the devices API,
 * backed by a real WireGuard endpoint host. Optional image captcha at sign-up.
 */
import { formatBtc, type Clock, type Logger, type Rng } from '@dolly/base'
import { z } from 'zod'
import { isoInstant } from '../calendar.ts'
import { MONTH_MS } from '../constants.ts'
import { esc } from '../html.ts'
import {
  html,
  json,
  readCookies,
  readForm,
  redirect,
  sessionCookie,
  text,
  type HttpHandler,
} from '../http.ts'
import type { ProviderWallet } from '../ports.ts'
import { randomAlnum, randomFrom, randomHex } from '../random-text.ts'

/** What the VPN provider needs of its WireGuard endpoint (part of `startVpnEndpoint`'s handle). */
export interface VpnEndpointPort {
  readonly publicKey: string
  readonly endpoint: string
  addPeer(clientPublicKey: string): Promise<{
    readonly clientAddress: string
    readonly peerConfig: {
      readonly publicKey: string
      readonly endpoint: string
      readonly allowedIps: string
      readonly persistentKeepaliveS: number
    }
  }>
  removePeer(clientPublicKey: string): Promise<void>
}

interface Account {
  readonly number: string
  readonly createdMs: number
  readonly address: string
  expiryMs: number
  creditedSats: bigint
  readonly keys: Map<string, string>
}

/** The Mullvad-like service. */
export interface MullvadService {
  readonly handle: HttpHandler
  /** Credits confirmed payments and revokes keys of expired accounts. */
  pass(): Promise<void>
  accounts(): readonly { number: string; expiryMs: number; keys: number }[]
}

const WG_KEY_RE = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/
const CAPTCHA_TTL_MS = 10 * 60_000

/** Creates the Mullvad-like service. */
export function createMullvad(
  deps: { wallet: ProviderWallet; endpoint: VpnEndpointPort; clock: Clock; rng: Rng; log: Logger },
  options: {
    monthSats: bigint
    confirmations: number
    captcha: boolean
    accessTokenMs: number
    monthMs?: number
  },
): MullvadService {
  const accounts = new Map<string, Account>()
  const tokens = new Map<string, { number: string; expiryMs: number }>()
  const webSessions = new Map<string, string>()
  const captchas = new Map<string, { solution: string; expiresMs: number }>()
  const now = (): number => deps.clock.nowMs()
  const active = (a: Account): boolean => a.expiryMs > now()
  const iso = isoInstant
  const bearer = (request: Request): Account | undefined => {
    const m = /^Bearer (.+)$/.exec(request.headers.get('authorization') ?? '')
    const t = m === null ? undefined : tokens.get(m[1] ?? '')
    return t === undefined || t.expiryMs <= now() ? undefined : accounts.get(t.number)
  }
  const body = async (request: Request): Promise<unknown> => {
    try {
      return await request.json()
    } catch {
      return undefined
    }
  }
  const register = async (a: Account, pubkey: string) => {
    const grant = await deps.endpoint.addPeer(pubkey)
    a.keys.set(pubkey, grant.clientAddress)
    deps.log.info('vpn.key_registered', { account: `${a.number.slice(0, 4)}…`, address: grant.clientAddress })
    return grant
  }
  const captchaSvg = (solution: string): string =>
    `<svg xmlns="http://www.w3.org/2000/svg" width="160" height="50"><rect width="160" height="50" fill="#ddd"/><text x="20" y="34" font-size="28" transform="rotate(-4 80 25)">${solution}</text></svg>`
  const handle: HttpHandler = async (request) => {
    const url = new URL(request.url)
    const path = url.pathname
    if (request.method === 'GET' && path === '/accounts/v1/captcha') {
      const id = randomHex(deps.rng, 16)
      const solution = randomFrom(deps.rng, 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789', 6)
      captchas.set(id, { solution, expiresMs: now() + CAPTCHA_TTL_MS })
      return json({
        id,
        image: `data:image/svg+xml;base64,${Buffer.from(captchaSvg(solution)).toString('base64')}`,
      })
    }
    if (request.method === 'POST' && path === '/accounts/v1/accounts') {
      if (options.captcha) {
        const input = z
          .object({ captcha_id: z.string(), captcha_solution: z.string() })
          .safeParse(await body(request))
        const expected = input.success ? captchas.get(input.data.captcha_id) : undefined
        if (input.success) captchas.delete(input.data.captcha_id)
        if (
          !input.success ||
          expected === undefined ||
          expected.expiresMs < now() ||
          expected.solution !== input.data.captcha_solution.toUpperCase()
        ) {
          return json(
            {
              code: 'CAPTCHA_REQUIRED',
              detail: 'Solve the captcha from GET /accounts/v1/captcha to create an account.',
            },
            400,
          )
        }
      }
      let number = ''
      do number = randomFrom(deps.rng, '0123456789', 16)
      while (accounts.has(number))
      const address = await deps.wallet.newAddress(`vpn-${number}`)
      const account: Account = {
        number,
        createdMs: now(),
        address,
        expiryMs: now(),
        creditedSats: 0n,
        keys: new Map(),
      }
      accounts.set(number, account)
      deps.log.info('vpn.account_created', { account: `${number.slice(0, 4)}…` })
      return json({ id: randomHex(deps.rng, 32), number, expiry: iso(account.expiryMs) }, 201)
    }
    if (request.method === 'POST' && path === '/auth/v1/token') {
      const input = z.object({ account_number: z.string() }).safeParse(await body(request))
      const account = input.success ? accounts.get(input.data.account_number) : undefined
      if (account === undefined)
        return json({ code: 'INVALID_ACCOUNT', detail: 'Invalid account number' }, 400)
      const token = randomAlnum(deps.rng, 40)
      const expiryMs = now() + options.accessTokenMs
      tokens.set(token, { number: account.number, expiryMs })
      return json({ access_token: token, expiry: iso(expiryMs) })
    }
    if (path.startsWith('/accounts/v1/')) {
      const account = bearer(request)
      if (account === undefined)
        return json({ code: 'UNAUTHORIZED', detail: 'Invalid or expired access token' }, 401)
      if (request.method === 'GET' && path === '/accounts/v1/accounts/me') {
        return json({
          id: account.number,
          number: account.number,
          expiry: iso(account.expiryMs),
          can_add_devices: account.keys.size < 5,
        })
      }
      if (request.method === 'GET' && path === '/accounts/v1/devices') {
        return json(
          [...account.keys].map(([pubkey, address]) => ({
            id: pubkey.slice(0, 8),
            pubkey,
            ipv4_address: address,
          })),
        )
      }
      if (request.method === 'POST' && path === '/accounts/v1/devices') {
        const input = z.object({ pubkey: z.string().regex(WG_KEY_RE) }).safeParse(await body(request))
        if (!input.success) return json({ code: 'INVALID_PUBKEY', detail: 'Not a WireGuard public key' }, 400)
        if (!active(account))
          return json({ code: 'ACCOUNT_EXPIRED', detail: 'The account has no time left' }, 403)
        if (account.keys.size >= 5 && !account.keys.has(input.data.pubkey))
          return json({ code: 'MAX_DEVICES_REACHED', detail: 'Too many devices' }, 400)
        const grant = await register(account, input.data.pubkey)
        return json(
          {
            id: input.data.pubkey.slice(0, 8),
            pubkey: input.data.pubkey,
            ipv4_address: grant.clientAddress,
            peer: {
              public_key: grant.peerConfig.publicKey,
              endpoint: grant.peerConfig.endpoint,
              allowed_ips: grant.peerConfig.allowedIps,
              persistent_keepalive: grant.peerConfig.persistentKeepaliveS,
            },
          },
          201,
        )
      }
      return json({ code: 'NOT_FOUND', detail: 'Not found' }, 404)
    }
    if (request.method === 'POST' && path === '/wg/') {
      const form = await readForm(request)
      const account = accounts.get(form.get('account') ?? '')
      const pubkey = form.get('pubkey') ?? ''
      if (account === undefined) return text('Invalid account', 400)
      if (!WG_KEY_RE.test(pubkey)) return text('Invalid public key', 400)
      if (!active(account)) return text('Account has expired', 400)
      const grant = await register(account, pubkey)
      return text(grant.clientAddress)
    }
    if (request.method === 'GET' && path === '/app/v1/relays') {
      const [ip, port] = deps.endpoint.endpoint.split(':')
      return json({
        wireguard: {
          port_ranges: [[Number(port), Number(port)]],
          relays: [
            { hostname: 'world-wg-001', active: true, ipv4_addr_in: ip, public_key: deps.endpoint.publicKey },
          ],
        },
      })
    }
    // The web account page the original scraped (`/en/account/bitcoin/`).
    if (path === '/en/account/login/' && request.method === 'POST') {
      const account = accounts.get((await readForm(request)).get('account_number') ?? '')
      if (account === undefined) return redirect('/en/account/login/?error=1')
      const sid = randomAlnum(deps.rng, 32)
      webSessions.set(sid, account.number)
      return redirect('/en/account/', { 'set-cookie': sessionCookie('accountToken', sid) })
    }
    const web = accounts.get(webSessions.get(readCookies(request).get('accountToken') ?? '') ?? '')
    if (path === '/en/account/login/' || (path.startsWith('/en/account/') && web === undefined)) {
      return html(
        `<form method="post" action="/en/account/login/"><input name="account_number" /><button type="submit">Log in</button></form>`,
      )
    }
    if (web !== undefined && path === '/en/account/') {
      return html(
        `<div class="account"><p>Account: ${esc(web.number)}</p><p class="expiry">Paid until: ${esc(iso(web.expiryMs))}</p><a href="/en/account/bitcoin/">Pay with Bitcoin</a></div>`,
      )
    }
    if (web !== undefined && path === '/en/account/bitcoin/') {
      return html(`<div class="payment"><h2>Pay with Bitcoin</h2><p>1 month = ${formatBtc(options.monthSats, { trim: true })} BTC</p>
<p>Send any amount to your account's address; time is added in proportion once the payment has ${options.confirmations} confirmation(s).</p>
<input type="text" readonly value="${esc(web.address)}" class="btc-address" /></div>`)
    }
    return json({ code: 'NOT_FOUND', detail: 'Not found' }, 404)
  }
  return {
    handle,
    async pass() {
      for (const a of accounts.values()) {
        const confirmed = await deps.wallet.receivedSats(a.address, options.confirmations)
        if (confirmed > a.creditedSats) {
          // Proportional time, rounded down to the ms: the buyer never gets time it did not pay for.
          const addedMs = Number(
            ((confirmed - a.creditedSats) * BigInt(options.monthMs ?? MONTH_MS)) / options.monthSats,
          )
          a.expiryMs = Math.max(a.expiryMs, now()) + addedMs
          a.creditedSats = confirmed
          deps.log.info('vpn.time_added', {
            account: `${a.number.slice(0, 4)}…`,
            addedMs,
            expiryMs: a.expiryMs,
          })
        }
        if (!active(a) && a.keys.size > 0) {
          for (const key of [...a.keys.keys()]) await deps.endpoint.removePeer(key)
          a.keys.clear()
          deps.log.info('vpn.account_expired', { account: `${a.number.slice(0, 4)}…` })
        }
      }
    },
    accounts: () =>
      [...accounts.values()].map((a) => ({ number: a.number, expiryMs: a.expiryMs, keys: a.keys.size })),
  }
}
