/**
 * Mullvad (CLOUDOMATE.md §14): a numbered account without identity (`POST /accounts/v1/accounts`),
 * time bought by paying the account's bitcoin address shown on the web account page (`1 month = X BTC`
 * and a read-only address input, as the original scraped), then a WireGuard key registered through the
 * devices API. The sign-up image captcha is reported as CLOUDOMATE_CAPTCHA_REQUIRED.
 */
import * as cheerio from 'cheerio'
import { parseBtc, type AbortOptions } from '@dolly/base'
import { validateAddress } from '@dolly/wallet'
import { z } from 'zod'
import { callJson } from '../api/json-api.ts'
import { CloudomateError } from '../errors.ts'
import type { Currency, VpnConfiguration, VpnOption } from '../model.ts'
import type { DriverContext, OrderingDriver, PurchaseAccount, ServiceState } from '../providers/driver.ts'
import { isoToMs } from '../iso-time.ts'
import { generateWireguardKeys } from './wireguard.ts'

/** Mullvad's API and web site. */
export const MULLVAD_URL = 'https://api.mullvad.net'

/** A VPN driver: ordering plus the tunnel configuration. */
export interface VpnDriver extends OrderingDriver<VpnOption> {
  readonly website: string
  options(ctx: DriverContext, options?: AbortOptions): Promise<readonly VpnOption[]>
  /** Registers a fresh WireGuard key and returns the configuration and the data to keep (the key). */
  configuration(
    ctx: DriverContext,
    account: PurchaseAccount,
    options?: AbortOptions,
  ): Promise<{ config: VpnConfiguration; data: Readonly<Record<string, string>> }>
}

const accountSchema = z.object({ number: z.string().regex(/^\d{16}$/) })
const tokenSchema = z.object({ access_token: z.string() })
const meSchema = z.object({ expiry: z.string() })
const deviceSchema = z.object({
  pubkey: z.string(),
  ipv4_address: z.string(),
  ipv6_address: z.string().optional(),
  peer: z
    .object({
      public_key: z.string(),
      endpoint: z.string(),
      allowed_ips: z.union([z.string(), z.array(z.string())]),
    })
    .optional(),
})
const relaysSchema = z.object({
  wireguard: z.object({
    port_ranges: z.array(z.tuple([z.number(), z.number()])),
    relays: z.array(
      z.object({
        hostname: z.string(),
        active: z.boolean().optional(),
        ipv4_addr_in: z.string(),
        public_key: z.string(),
      }),
    ),
  }),
})

/** Options of the Mullvad driver. */
export interface MullvadOptions {
  readonly baseUrl?: string
  /** Price of a month in cents (Mullvad: 5 EUR). */
  readonly monthCents?: bigint
  readonly currency?: Currency
}

/** Creates the driver. */
export function createMullvadDriver(options: MullvadOptions = {}): VpnDriver {
  const base = (options.baseUrl ?? MULLVAD_URL).replace(/\/$/, '')
  const name = 'mullvad'
  const accountNumber = (account: PurchaseAccount): string => {
    const n = account.data['accountNumber']
    if (n === undefined)
      throw new CloudomateError(
        'CLOUDOMATE_NOT_READY',
        `mullvad purchase ${account.purchaseId} has no account number`,
        {},
      )
    return n
  }
  const token = async (ctx: DriverContext, account: PurchaseAccount, opts: AbortOptions) =>
    (
      await callJson(
        ctx.session,
        name,
        'POST',
        `${base}/auth/v1/token`,
        { account_number: accountNumber(account) },
        tokenSchema,
        opts,
      )
    ).access_token
  return {
    name,
    website: 'https://mullvad.net',
    gatewayFeePercent: 0,
    requiredSettings: () => [],
    options: async () => [
      {
        provider: name,
        id: '1month',
        name: 'Mullvad VPN, 1 month',
        protocol: 'wireguard',
        price: { cents: options.monthCents ?? 500n, currency: options.currency ?? 'EUR', period: 'month' },
        bandwidthGB: null,
        speedMbit: null,
      },
    ],
    order: async (ctx, _option, account, opts = {}) => {
      const created = await ctx.session.json('POST', `${base}/accounts/v1/accounts`, {}, opts)
      if (created.status === 400 && /captcha/i.test(created.body)) {
        throw new CloudomateError(
          'CLOUDOMATE_CAPTCHA_REQUIRED',
          'mullvad asks for an image captcha at sign-up; configure a captcha solver or create the account by hand',
          {},
        )
      }
      const parsed = accountSchema.safeParse(safeJson(created.body))
      if (created.status >= 300 || !parsed.success) {
        throw new CloudomateError(
          'CLOUDOMATE_API_ERROR',
          `mullvad: account creation answered HTTP ${created.status}`,
          { status: created.status },
        )
      }
      const number = parsed.data.number
      await ctx.session.postForm(`${base}/en/account/login/`, [['account_number', number]], opts)
      const page = await ctx.session.get(`${base}/en/account/bitcoin/`, opts)
      const $ = cheerio.load(page.body)
      const amount = /1 month = ([0-9.]+) BTC/.exec($.root().text())?.[1]
      const address = $('input[readonly]').first().attr('value')
      if (amount === undefined || address === undefined) {
        throw new CloudomateError(
          'CLOUDOMATE_GATEWAY_CHANGED',
          'mullvad: no "1 month = X BTC" line or address on the bitcoin page',
          { url: page.url },
        )
      }
      try {
        validateAddress(address, ctx.network)
      } catch (err) {
        throw new CloudomateError(
          'CLOUDOMATE_PAYMENT_REFUSED',
          `mullvad address ${address} is not valid on ${ctx.network.name}`,
          { reason: 'address' },
          { cause: err },
        )
      }
      return {
        quote: {
          gateway: 'mullvad',
          address,
          amountSats: parseBtc(amount),
          invoiceId: `account-${number.slice(0, 4)}-${address.slice(-8)}`,
          invoiceUrl: page.url,
        },
        data: { accountNumber: number },
      }
    },
    state: async (ctx, account, opts = {}): Promise<ServiceState> => {
      const bearer = await token(ctx, account, opts)
      const me = await callJson(
        ctx.session,
        name,
        'GET',
        `${base}/accounts/v1/accounts/me`,
        undefined,
        meSchema,
        { ...opts, headers: { authorization: `Bearer ${bearer}` } },
      )
      const expiryMs = isoToMs(me.expiry)
      if (!(expiryMs > ctx.clock.nowMs()))
        return { kind: 'pending', status: 'waiting for the payment to confirm' }
      return { kind: 'active', ip: '', expirationMs: expiryMs }
    },
    configuration: async (ctx, account, opts = {}) => {
      const bearer = await token(ctx, account, opts)
      const keys = account.data['wgPrivateKey'] === undefined ? generateWireguardKeys(ctx.rng) : undefined
      const privateKey = account.data['wgPrivateKey'] ?? keys?.privateKey ?? ''
      const publicKey = account.data['wgPublicKey'] ?? keys?.publicKey ?? ''
      const headers = { authorization: `Bearer ${bearer}` }
      const device = await callJson(
        ctx.session,
        name,
        'POST',
        `${base}/accounts/v1/devices`,
        { pubkey: publicKey },
        deviceSchema,
        { ...opts, headers },
      )
      let peer =
        device.peer === undefined
          ? undefined
          : {
              publicKey: device.peer.public_key,
              endpoint: device.peer.endpoint,
              allowedIps: ([] as string[])
                .concat(device.peer.allowed_ips)
                .flatMap((s) => s.split(',').map((x) => x.trim())),
            }
      if (peer === undefined) {
        // The real API returns no peer with the device: take the first active relay.
        const relays = await callJson(
          ctx.session,
          name,
          'GET',
          `${base}/app/v1/relays`,
          undefined,
          relaysSchema,
          opts,
        )
        const relay = relays.wireguard.relays.find((r) => r.active !== false)
        const port = relays.wireguard.port_ranges[0]?.[0] ?? 51820
        if (relay === undefined)
          throw new CloudomateError('CLOUDOMATE_API_ERROR', 'mullvad lists no active WireGuard relay', {})
        peer = {
          publicKey: relay.public_key,
          endpoint: `${relay.ipv4_addr_in}:${port}`,
          allowedIps: ['0.0.0.0/0', '::/0'],
        }
      }
      const addresses = [
        device.ipv4_address,
        ...(device.ipv6_address === undefined ? [] : [device.ipv6_address]),
      ]
      return {
        config: { username: accountNumber(account), wireguard: { privateKey, addresses, dns: [], peer } },
        data: {
          wgPrivateKey: privateKey,
          wgPublicKey: publicKey,
          wgAddresses: addresses.join(','),
          wgPeerPublicKey: peer.publicKey,
          wgEndpoint: peer.endpoint,
          wgAllowedIps: peer.allowedIps.join(','),
        },
      }
    },
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
