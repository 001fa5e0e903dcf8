/**
 * AzireVPN (CLOUDOMATE.md §14, API v3 at api.azirevpn.com): `Authorization: Bearer <token>` with a
 * token from the account manager; `GET /v3/users/me` says whether the account has time,
 * `POST /v3/ips {key}` registers a WireGuard public key and returns the interface addresses and DNS,
 * and `GET /v3/locations` gives each location's pool host and server key. Sign-up and payment are
 * web-only behind a captcha, so `order` refuses with CLOUDOMATE_FUNDING_REQUIRED rather than pretend
 * to pay. Shapes and their sources: test/fixtures/api/README.md.
 */
import type { AbortOptions } from '@dolly/base'
import { z } from 'zod'
import { callJson } from '../api/json-api.ts'
import { CloudomateError } from '../errors.ts'
import type { Currency, VpnOption } from '../model.ts'
import type { DriverContext, PurchaseAccount, ServiceState } from '../providers/driver.ts'
import type { VpnDriver } from './mullvad.ts'
import { generateWireguardKeys } from './wireguard.ts'

/** AzireVPN's API root. */
export const AZIREVPN_URL = 'https://api.azirevpn.com'
/** WireGuard port of AzireVPN's pools (the vopono client connects every location on it). */
export const AZIREVPN_WG_PORT = 51820

/** A DNS host name (RFC 1123 labels, ≤ 253 characters). */
const HOST_NAME =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i

const meSchema = z.object({
  status: z.literal('success'),
  data: z.object({ is_active: z.boolean(), expires_at: z.number().int() }),
})
const ipSchema = z.object({
  status: z.literal('success'),
  data: z.object({
    id: z.string(),
    // Written into a wg-quick file (`Address`, `DNS`, `Endpoint`): an address, a DNS server, a host
    // name and nothing else, since a line break there adds a line such as `PostUp = <command>` that
    // wg-quick runs as root (found by the fuzz suite).
    ipv4_address: z.ipv4(),
    ipv4_netmask: z.number().int().min(0).max(32),
    ipv6_address: z.union([z.ipv6(), z.literal('')]).optional(),
    ipv6_netmask: z.number().int().min(0).max(128).optional(),
    dns: z.array(z.union([z.ipv4(), z.ipv6()])),
  }),
})
const locationsSchema = z.object({
  status: z.literal('success'),
  locations: z.array(
    z.object({
      name: z.string(),
      city: z.string(),
      country: z.string(),
      pool: z.string().regex(HOST_NAME, 'expected a host name'),
      pubkey: z.string().regex(/^[A-Za-z0-9+/]{43}=$/),
    }),
  ),
})

/** Options of the AzireVPN driver. */
export interface AzirevpnOptions {
  readonly baseUrl?: string
  /** API token from manager.azirevpn.com/account/token. */
  readonly token?: string
  /** Location name (e.g. "se-sto"); default: the first listed. */
  readonly location?: string
  /** Price of a month in cents, as the operator paid it on the web site (shown by `vpn options`). */
  readonly monthCents?: bigint
  readonly currency?: Currency
}

/** Creates the driver. */
export function createAzirevpnDriver(options: AzirevpnOptions = {}): VpnDriver {
  const base = (options.baseUrl ?? AZIREVPN_URL).replace(/\/$/, '')
  const name = 'azirevpn'
  const auth = (account?: PurchaseAccount) => {
    const token = account?.data['token'] ?? options.token
    if (token === undefined)
      throw new CloudomateError('CLOUDOMATE_SETTINGS_INVALID', 'azirevpn needs [azirevpn] token', {})
    return { headers: { authorization: `Bearer ${token}` } }
  }
  return {
    name,
    website: 'https://www.azirevpn.com',
    gatewayFeePercent: 0,
    requiredSettings: () => [],
    options: async (): Promise<readonly VpnOption[]> => {
      if (options.monthCents === undefined)
        throw new CloudomateError(
          'CLOUDOMATE_SETTINGS_INVALID',
          'azirevpn publishes no price API; set [azirevpn] month_cents to what a month costs you',
          {},
        )
      return [
        {
          provider: name,
          id: '1month',
          name: 'AzireVPN, 1 month',
          protocol: 'wireguard',
          price: { cents: options.monthCents, currency: options.currency ?? 'EUR', period: 'month' },
          bandwidthGB: null,
          speedMbit: null,
        },
      ]
    },
    order: async () => {
      throw new CloudomateError(
        'CLOUDOMATE_FUNDING_REQUIRED',
        'azirevpn sells time only on its web site (behind a captcha): pay there, then give cloudomate the account token as [azirevpn] token; nothing was paid',
        { provider: name },
      )
    },
    state: async (ctx, account, opts = {}): Promise<ServiceState> => {
      const me = await callJson(ctx.session, name, 'GET', `${base}/v3/users/me`, undefined, meSchema, {
        ...opts,
        ...auth(account),
      })
      const expirationMs = me.data.expires_at * 1000
      if (!me.data.is_active || !(expirationMs > ctx.clock.nowMs()))
        return { kind: 'pending', status: 'the account has no time' }
      return { kind: 'active', ip: '', expirationMs }
    },
    configuration: async (ctx, account, opts = {}) => configure(ctx, account, opts),
  }

  async function configure(ctx: DriverContext, account: PurchaseAccount, opts: AbortOptions) {
    const headers = auth(account)
    const keys = account.data['wgPrivateKey'] === undefined ? generateWireguardKeys(ctx.rng) : undefined
    const privateKey = account.data['wgPrivateKey'] ?? keys?.privateKey ?? ''
    const publicKey = account.data['wgPublicKey'] ?? keys?.publicKey ?? ''
    const ip = await callJson(ctx.session, name, 'POST', `${base}/v3/ips`, { key: publicKey }, ipSchema, {
      ...opts,
      ...headers,
    })
    const { locations } = await callJson(
      ctx.session,
      name,
      'GET',
      `${base}/v3/locations`,
      undefined,
      locationsSchema,
      { ...opts, ...headers },
    )
    const location =
      options.location === undefined ? locations[0] : locations.find((l) => l.name === options.location)
    if (location === undefined)
      throw new CloudomateError(
        'CLOUDOMATE_API_ERROR',
        `azirevpn lists no location ${options.location ?? ''}`.trim(),
        { known: locations.map((l) => l.name) },
      )
    const d = ip.data
    const addresses = [
      `${d.ipv4_address}/${d.ipv4_netmask}`,
      ...(d.ipv6_address === undefined || d.ipv6_address === ''
        ? []
        : [`${d.ipv6_address}/${d.ipv6_netmask ?? 128}`]),
    ]
    const peer = {
      publicKey: location.pubkey,
      endpoint: `${location.pool}:${AZIREVPN_WG_PORT}`,
      allowedIps: ['0.0.0.0/0', '::/0'],
    }
    return {
      config: { wireguard: { privateKey, addresses, dns: d.dns, peer } },
      data: {
        wgPrivateKey: privateKey,
        wgPublicKey: publicKey,
        wgAddresses: addresses.join(','),
        wgPeerPublicKey: peer.publicKey,
        wgEndpoint: peer.endpoint,
        wgAllowedIps: peer.allowedIps.join(','),
        azireIpId: d.id,
      },
    }
  }
}
