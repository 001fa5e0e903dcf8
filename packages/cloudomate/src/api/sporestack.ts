/**
 * SporeStack (CLOUDOMATE.md §13; API as documented by the `sporestack` client, v12+): the account is a
 * client-made secret token in the path; `POST /token/{t}/add {currency, dollars}` returns a BIP21 URI
 * to top the token up; servers are launched from the balance for a number of days. SSH key only.
 */
import { CloudomateError } from '../errors.ts'
import { z } from 'zod'
import { extractFromBip21 } from '../gateways/extract.ts'
import type { VpsOption } from '../model.ts'
import type { DriverContext, PurchaseAccount, ServiceState, VpsDriver } from '../providers/driver.ts'
import { callJson } from './json-api.ts'

/** SporeStack's public API. */
export const SPORESTACK_URL = 'https://api.sporestack.com'
/** Days bought per purchase when `[sporestack] days` is not set: a month, like the shops. */
export const SPORESTACK_DEFAULT_DAYS = 30
/** SporeStack's smallest top-up in dollars. */
const MIN_TOPUP_DOLLARS = 5n

// A plan we could buy: whole cores, memory and disk above zero, no negative price or traffic (the
// fuzz suite had 0.1 cores and 0 GB disks become options).
const flavorSchema = z.object({
  cores: z.number().int().positive(),
  memory: z.number().positive(),
  disk: z.number().positive(),
  price: z.number().int().nonnegative(),
  bandwidth_per_month: z.number().nonnegative().optional(),
  bandwidth: z.number().nonnegative().optional(),
})
const flavorsSchema = z.union([
  z.object({ flavors: z.record(z.string().min(1), flavorSchema) }),
  z.record(z.string().min(1), flavorSchema),
])
const addSchema = z.object({
  payment: z.object({ id: z.string().optional(), uri: z.string(), paid: z.boolean().optional() }),
})
const balanceSchema = z.object({ cents: z.number().int() })
const serverSchema = z.object({
  machine_id: z.string(),
  ipv4: z.string().optional(),
  running: z.boolean().optional(),
  deleted: z.boolean().optional(),
  expiration: z.number().nullish(),
})
const serversSchema = z.object({ servers: z.array(serverSchema) })

/** Options of the SporeStack driver. */
export interface SporestackOptions {
  readonly baseUrl?: string
  readonly days?: number
  readonly operatingSystem?: string
  readonly region?: string
}

/** Creates the driver. */
export function createSporestackDriver(options: SporestackOptions = {}): VpsDriver {
  const base = (options.baseUrl ?? SPORESTACK_URL).replace(/\/$/, '')
  const days = options.days ?? SPORESTACK_DEFAULT_DAYS
  const os = options.operatingSystem ?? 'debian-12'
  const name = 'sporestack'
  const chargeCents = (option: VpsOption): bigint => {
    const cents = option.price.cents * BigInt(days)
    const dollars = (cents + 99n) / 100n
    return (dollars < MIN_TOPUP_DOLLARS ? MIN_TOPUP_DOLLARS : dollars) * 100n
  }
  const tokenOf = (account: PurchaseAccount): string => {
    const token = account.data['token']
    if (token === undefined)
      throw new CloudomateError(
        'CLOUDOMATE_NOT_READY',
        `sporestack purchase ${account.purchaseId} has no token`,
        {},
      )
    return token
  }
  return {
    name,
    website: 'https://sporestack.com',
    kind: 'api',
    gatewayFeePercent: 0,
    tunTap: false,
    enabled: true,
    notes: 'SSH key only; no identity needed',
    requiredSettings: () => ['ssh_public_key'],
    chargeCents,
    options: async (ctx, opts = {}) => {
      const reply = await callJson(
        ctx.session,
        name,
        'GET',
        `${base}/flavors`,
        undefined,
        flavorsSchema,
        opts,
      )
      const flavors =
        'flavors' in reply && typeof reply.flavors === 'object'
          ? (reply.flavors as Record<string, z.infer<typeof flavorSchema>>)
          : (reply as Record<string, z.infer<typeof flavorSchema>>)
      return Object.entries(flavors).map(([slug, f]) => ({
        provider: name,
        id: slug,
        name: slug,
        cores: f.cores,
        memoryGB: f.memory / 1024,
        storageGB: f.disk,
        bandwidthTBPerMonth: f.bandwidth_per_month ?? f.bandwidth ?? null,
        connectionGbps: null,
        price: { cents: BigInt(f.price), currency: 'USD' as const, period: 'day' as const },
        virtualization: 'kvm' as const,
        tunTap: false,
        inStock: true,
      }))
    },
    order: async (ctx, option, account, opts = {}) => {
      // The token is the whole account: 32 random bytes, kept with the purchase.
      const token =
        account.data['token'] ?? [...ctx.rng.bytes(32)].map((b) => b.toString(16).padStart(2, '0')).join('')
      const dollars = Number(chargeCents(option) / 100n)
      const reply = await callJson(
        ctx.session,
        name,
        'POST',
        `${base}/token/${token}/add`,
        { currency: 'btc', dollars },
        addSchema,
        opts,
      )
      const x = extractFromBip21(name, reply.payment.uri, ctx.network)
      return {
        quote: {
          gateway: name,
          address: x.address,
          amountSats: x.amountSats,
          bip21: reply.payment.uri,
          invoiceId: reply.payment.id ?? reply.payment.uri,
          invoiceUrl: `${base}/token/${token.slice(0, 6)}…/add`,
        },
        data: { token, flavor: option.id },
      }
    },
    state: async (ctx, account, opts = {}): Promise<ServiceState> => launchOrRead(ctx, account, opts),
  }

  async function launchOrRead(
    ctx: DriverContext,
    account: PurchaseAccount,
    opts: { signal?: AbortSignal },
  ): Promise<ServiceState> {
    const token = tokenOf(account)
    const servers = (
      await callJson(
        ctx.session,
        name,
        'GET',
        `${base}/token/${token}/servers`,
        undefined,
        serversSchema,
        opts,
      )
    ).servers
    const wanted = account.data['machineId']
    const server = wanted === undefined ? servers[0] : servers.find((s) => s.machine_id === wanted)
    if (server === undefined) {
      if (wanted !== undefined) return { kind: 'failed', status: 'server gone' }
      const flavor = account.data['flavor'] ?? account.optionId
      const price = await flavorPrice(ctx, flavor, opts)
      const { cents } = await callJson(
        ctx.session,
        name,
        'GET',
        `${base}/token/${token}/balance`,
        undefined,
        balanceSchema,
        opts,
      )
      if (BigInt(cents) < price * BigInt(days))
        return { kind: 'pending', status: 'waiting for the top-up to confirm' }
      // Single attempt per poll: a second launch would find the balance spent and fail with 402.
      const launched = await callJson(
        ctx.session,
        name,
        'POST',
        `${base}/token/${token}/servers`,
        {
          days,
          flavor,
          ssh_key: account.settings.ssh_public_key ?? '',
          operating_system: os,
          hostname: account.settings.hostname ?? '',
          autorenew: false,
          ...(options.region === undefined ? {} : { region: options.region }),
        },
        serverSchema,
        opts,
      )
      return { kind: 'pending', status: 'launched', data: { machineId: launched.machine_id } }
    }
    if (server.deleted === true) return { kind: 'failed', status: 'deleted' }
    const ip = server.ipv4 ?? ''
    if (server.running !== true || ip === '')
      return { kind: 'pending', status: 'provisioning', data: { machineId: server.machine_id } }
    return {
      kind: 'active',
      ip,
      sshKeyOnly: true,
      ...(server.expiration === undefined || server.expiration === null
        ? {}
        : { expirationMs: server.expiration * 1000 }),
      data: { machineId: server.machine_id },
    }
  }

  async function flavorPrice(
    ctx: DriverContext,
    flavor: string,
    opts: { signal?: AbortSignal },
  ): Promise<bigint> {
    const reply = await callJson(ctx.session, name, 'GET', `${base}/flavors`, undefined, flavorsSchema, opts)
    const flavors =
      'flavors' in reply && typeof reply.flavors === 'object'
        ? (reply.flavors as Record<string, z.infer<typeof flavorSchema>>)
        : (reply as Record<string, z.infer<typeof flavorSchema>>)
    const f = flavors[flavor]
    if (f === undefined)
      throw new CloudomateError('CLOUDOMATE_API_ERROR', `sporestack no longer sells flavor ${flavor}`, {
        flavor,
      })
    return BigInt(f.price)
  }
}
