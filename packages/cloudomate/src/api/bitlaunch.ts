/**
 * BitLaunch (CLOUDOMATE.md §13, app.bitlaunch.io/api): `Authorization: Bearer <token>`, a prepaid USD
 * balance topped up with `POST /transactions`, servers created from `hosts-create-options` and billed
 * by the hour. A root password is set at creation, so no identity and no SSH key are needed.
 */
import { parseBtc } from '@dolly/base'
import { validateAddress } from '@dolly/wallet'
import { z } from 'zod'
import { CloudomateError } from '../errors.ts'
import { extractFromBip21 } from '../gateways/extract.ts'
import type { VpsOption } from '../model.ts'
import type { DriverContext, PurchaseAccount, ServiceState, VpsDriver } from '../providers/driver.ts'
import { callJson } from './json-api.ts'

/** BitLaunch's API root. */
export const BITLAUNCH_URL = 'https://app.bitlaunch.io/api'
/** BitLaunch's own host id in `hosts-create-options` (the others resell DigitalOcean, Vultr, Linode). */
export const BITLAUNCH_HOST_ID = 4
/** Smallest top-up in dollars. */
const MIN_TOPUP_DOLLARS = 5n

// A plan we could buy: whole cores, memory and disk above zero, no negative price or traffic (the
// fuzz suite had -1 cores and -1e308 GB disks become options).
const sizeSchema = z.object({
  id: z.string().min(1),
  cpuCount: z.number().int().positive(),
  memoryMB: z.number().positive(),
  diskGB: z.number().positive(),
  bandwidthGB: z.number().nonnegative().optional(),
  costPerMonth: z.number().nonnegative(),
})
const optionsSchema = z.object({
  image: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      versions: z.array(z.object({ id: z.string(), description: z.string() })),
    }),
  ),
  region: z.array(z.object({ id: z.string(), subregions: z.array(z.object({ id: z.string() })).optional() })),
  size: z.array(sizeSchema),
})
const txSchema = z.object({
  id: z.string(),
  address: z.string(),
  amountCrypto: z.union([z.string(), z.number()]),
  paymentUri: z.string().optional(),
  status: z.string().optional(),
})
const userSchema = z.object({ balance: z.number() })
const serverSchema = z.object({ id: z.string(), ipv4: z.string().optional(), status: z.string().optional() })
const accountSchema = z.object({ token: z.string().min(8) })

/** Options of the BitLaunch driver. */
export interface BitlaunchOptions {
  readonly baseUrl?: string
  /** API token from BitLaunch's account settings. */
  readonly token?: string
  /**
   * Create an account with `POST /accounts {email}` when no token is set: the world's BitLaunch offers
   * this; the real one issues tokens only in its web account settings.
   */
  readonly createAccount?: boolean
}

/** Creates the driver. */
export function createBitlaunchDriver(options: BitlaunchOptions = {}): VpsDriver {
  const base = (options.baseUrl ?? BITLAUNCH_URL).replace(/\/$/, '')
  const name = 'bitlaunch'
  const auth = (token: string) => ({ headers: { authorization: `Bearer ${token}` } })
  const tokenOf = (account: PurchaseAccount): string => {
    const token = account.data['token'] ?? options.token
    if (token === undefined)
      throw new CloudomateError('CLOUDOMATE_SETTINGS_INVALID', 'bitlaunch needs [bitlaunch] token', {})
    return token
  }
  const chargeCents = (option: VpsOption): bigint => {
    const dollars = (option.price.cents + 99n) / 100n
    return (dollars < MIN_TOPUP_DOLLARS ? MIN_TOPUP_DOLLARS : dollars) * 100n
  }
  const createOptions = (ctx: DriverContext, token: string, signal: { signal?: AbortSignal }) =>
    callJson(
      ctx.session,
      name,
      'GET',
      `${base}/hosts-create-options/${BITLAUNCH_HOST_ID}`,
      undefined,
      optionsSchema,
      { ...signal, ...auth(token) },
    )
  return {
    name,
    website: 'https://bitlaunch.io',
    kind: 'api',
    gatewayFeePercent: 0,
    tunTap: false,
    enabled: true,
    notes: 'prepaid balance billed hourly; needs an API token',
    requiredSettings: () => ['root_password', 'hostname'],
    chargeCents,
    options: async (ctx, opts = {}) => {
      const token =
        options.token ??
        (options.createAccount === true ? await newAccount(ctx, 'options@example.org', opts) : undefined)
      if (token === undefined)
        throw new CloudomateError('CLOUDOMATE_SETTINGS_INVALID', 'bitlaunch needs [bitlaunch] token', {})
      const reply = await createOptions(ctx, token, opts)
      return reply.size.map((s) => ({
        provider: name,
        id: s.id,
        name: s.id,
        cores: s.cpuCount,
        memoryGB: s.memoryMB / 1024,
        storageGB: s.diskGB,
        bandwidthTBPerMonth: s.bandwidthGB === undefined ? null : s.bandwidthGB / 1000,
        connectionGbps: null,
        // costPerMonth in US cents, as the API's own price fields are integers.
        price: {
          cents: BigInt(Math.ceil(s.costPerMonth)),
          currency: 'USD' as const,
          period: 'month' as const,
        },
        virtualization: 'kvm' as const,
        tunTap: false,
        inStock: true,
      }))
    },
    order: async (ctx, option, account, opts = {}) => {
      const token =
        account.data['token'] ??
        options.token ??
        (options.createAccount === true
          ? await newAccount(ctx, account.settings.email ?? `${account.purchaseId}@example.org`, opts)
          : undefined)
      if (token === undefined)
        throw new CloudomateError('CLOUDOMATE_SETTINGS_INVALID', 'bitlaunch needs [bitlaunch] token', {})
      const amountUsd = Number(chargeCents(option) / 100n)
      const tx = await callJson(
        ctx.session,
        name,
        'POST',
        `${base}/transactions`,
        { amountUsd, cryptoSymbol: 'BTC', lightningNetwork: false },
        txSchema,
        { ...opts, ...auth(token) },
      )
      const fromUri =
        tx.paymentUri === undefined ? undefined : extractFromBip21(name, tx.paymentUri, ctx.network)
      const amountSats = fromUri?.amountSats ?? parseBtc(String(tx.amountCrypto))
      try {
        validateAddress(tx.address, ctx.network)
      } catch (err) {
        throw new CloudomateError(
          'CLOUDOMATE_PAYMENT_REFUSED',
          `bitlaunch address ${tx.address} is not valid on ${ctx.network.name}`,
          { reason: 'address' },
          { cause: err },
        )
      }
      if (fromUri !== undefined && (fromUri.address !== tx.address || fromUri.amountSats !== amountSats)) {
        throw new CloudomateError(
          'CLOUDOMATE_GATEWAY_CHANGED',
          'bitlaunch transaction fields disagree with its payment URI',
          {},
        )
      }
      return {
        quote: {
          gateway: name,
          address: tx.address,
          amountSats,
          ...(tx.paymentUri === undefined ? {} : { bip21: tx.paymentUri }),
          invoiceId: tx.id,
          invoiceUrl: `${base}/transactions/${tx.id}`,
        },
        data: { token, size: option.id },
      }
    },
    state: async (ctx, account, opts = {}): Promise<ServiceState> => {
      const token = tokenOf(account)
      const serverId = account.data['serverId']
      if (serverId === undefined) {
        const user = await callJson(ctx.session, name, 'GET', `${base}/user`, undefined, userSchema, {
          ...opts,
          ...auth(token),
        })
        const create = await createOptions(ctx, token, opts)
        const size = create.size.find((s) => s.id === (account.data['size'] ?? account.optionId))
        if (size === undefined) return { kind: 'failed', status: 'size no longer sold' }
        // BitLaunch refuses a server the balance cannot run for an hour (730 h a month).
        if (user.balance * 730 < size.costPerMonth)
          return { kind: 'pending', status: 'waiting for the top-up to confirm' }
        const image = create.image[0]?.versions[0]?.id
        const region = create.region[0]
        const regionId = region?.subregions?.[0]?.id ?? region?.id
        if (image === undefined || regionId === undefined)
          throw new CloudomateError('CLOUDOMATE_API_ERROR', 'bitlaunch offers no image or region', {})
        const server = await callJson(
          ctx.session,
          name,
          'POST',
          `${base}/servers`,
          {
            server: {
              name: account.settings.hostname ?? 'dolly',
              hostID: BITLAUNCH_HOST_ID,
              HostImageID: image,
              sizeID: size.id,
              regionID: regionId,
              sshKeys: [],
              password: account.settings.root_password ?? '',
            },
          },
          serverSchema,
          { ...opts, ...auth(token) },
        )
        return { kind: 'pending', status: 'created', data: { serverId: server.id } }
      }
      const server = await callJson(
        ctx.session,
        name,
        'GET',
        `${base}/servers/${serverId}`,
        undefined,
        serverSchema,
        { ...opts, ...auth(token) },
      )
      if (server.status === 'deleted') return { kind: 'failed', status: 'deleted' }
      if (server.status !== 'ok' || (server.ipv4 ?? '') === '')
        return { kind: 'pending', status: server.status ?? 'pending' }
      return {
        kind: 'active',
        ip: server.ipv4 ?? '',
        ...(account.settings.root_password === undefined
          ? {}
          : { rootPassword: account.data['rootPassword'] ?? account.settings.root_password }),
      }
    },
  }

  async function newAccount(
    ctx: DriverContext,
    email: string,
    opts: { signal?: AbortSignal },
  ): Promise<string> {
    return (await callJson(ctx.session, name, 'POST', `${base}/accounts`, { email }, accountSchema, opts))
      .token
  }
}
