/**
 * LunaNode (CLOUDOMATE.md §13): `POST https://dynamic.lunanode.com/api/{category}/{action}/` with the
 * form fields `handler`, `req` (JSON with `api_id` and `api_partialkey`), `nonce` and an HMAC-SHA512
 * `signature`. The account is prepaid credit that the operator funds on LunaNode's billing site: the
 * API has no payment call, so `order` refuses with CLOUDOMATE_FUNDING_REQUIRED instead of pretending
 * to pay, and `state` creates the VM from the funded credit. Shapes: test/fixtures/api/README.md.
 */
import { createHmac } from 'node:crypto'
import type { AbortOptions } from '@dolly/base'
import { z } from 'zod'
import { CloudomateError } from '../errors.ts'
import type { VpsOption } from '../model.ts'
import type { DriverContext, PurchaseAccount, ServiceState, VpsDriver } from '../providers/driver.ts'

/** LunaNode's dynamic API root. */
export const LUNANODE_URL = 'https://dynamic.lunanode.com/api'
/** Region used when `[lunanode] region` is not set (LunaNode's first region). */
export const LUNANODE_DEFAULT_REGION = 'toronto'
/** Hours in the monthly estimate of an hourly price (365 · 24 / 12 = 730, as BitLaunch's driver uses). */
export const HOURS_PER_MONTH = 730n

// A number is read through its decimal text, which must then be plain too: String(1e308), String(-1)
// and String(1e-7) would reach BigInt in hourlyToMonthCents as "1e+308", "-1", "1e-7" (fuzz suite).
const DECIMAL_RE = /^\d+(\.\d+)?$/
const num = z
  .union([z.number(), z.string().regex(DECIMAL_RE)])
  .transform((v) => String(v))
  .pipe(z.string().regex(DECIMAL_RE))
const replySchema = z.object({ success: z.literal('yes') }).passthrough()
const errorSchema = z.object({ success: z.string().optional(), error: z.string() })
const plansSchema = z.object({
  plans: z.array(
    z.object({
      plan_id: num,
      name: z.string(),
      vcpu: num,
      price: num,
      ram: num,
      storage: num,
      bandwidth: num.optional(),
    }),
  ),
})
const imagesSchema = z.object({
  images: z.array(z.object({ image_id: num, name: z.string(), status: z.string().optional() })),
})
const createSchema = z.object({ vm_id: z.string().min(1) })
const infoSchema = z.object({
  info: z.object({ ip: z.string().optional(), status_nohtml: z.string().optional() }),
})

/** The signature LunaNode checks: `hex(HMAC-SHA512(api_key, handler + "|" + req + "|" + nonce))`. */
export function lunanodeSignature(apiKey: string, handler: string, req: string, nonce: string): string {
  return createHmac('sha512', apiKey).update(`${handler}|${req}|${nonce}`).digest('hex')
}

/** `price` dollars per hour as cents per month (730 h), rounded up. */
export function hourlyToMonthCents(price: string): bigint {
  const [whole = '0', frac = ''] = price.split('.')
  // Exact: scale the decimal to 10^-12 dollars, then round up to cents.
  const picoDollars = BigInt(whole) * 10n ** 12n + BigInt(frac.padEnd(12, '0').slice(0, 12) || '0')
  const monthPico = picoDollars * HOURS_PER_MONTH
  const picoPerCent = 10n ** 10n
  return (monthPico + picoPerCent - 1n) / picoPerCent
}

/** Options of the LunaNode driver. */
export interface LunanodeOptions {
  readonly baseUrl?: string
  /** 16-character API id. */
  readonly apiId?: string
  /** 128-character API key. */
  readonly apiKey?: string
  readonly region?: string
  /** Image id for vm/create; default: the first active image whose name contains "Debian". */
  readonly imageId?: string
}

/** Creates the driver. */
export function createLunanodeDriver(options: LunanodeOptions = {}): VpsDriver {
  const base = (options.baseUrl ?? LUNANODE_URL).replace(/\/$/, '')
  const region = options.region ?? LUNANODE_DEFAULT_REGION
  const name = 'lunanode'
  // LunaNode rejects a nonce it has already seen; two calls in one second get consecutive nonces.
  let lastNonce = 0
  const credentials = (): { apiId: string; apiKey: string } => {
    const { apiId, apiKey } = options
    if (apiId === undefined || apiKey === undefined)
      throw new CloudomateError(
        'CLOUDOMATE_SETTINGS_INVALID',
        'lunanode needs [lunanode] api_id, api_key',
        {},
      )
    if (apiId.length !== 16 || apiKey.length !== 128)
      throw new CloudomateError(
        'CLOUDOMATE_SETTINGS_INVALID',
        `lunanode api_id must be 16 characters and api_key 128, got ${apiId.length} and ${apiKey.length}`,
        {},
      )
    return { apiId, apiKey }
  }
  const call = async <T>(
    ctx: DriverContext,
    handler: string,
    params: Record<string, string>,
    schema: z.ZodType<T>,
    opts: AbortOptions,
  ): Promise<T> => {
    const { apiId, apiKey } = credentials()
    const req = JSON.stringify({ ...params, api_id: apiId, api_partialkey: apiKey.slice(0, 64) })
    lastNonce = Math.max(Math.floor(ctx.clock.nowMs() / 1000), lastNonce + 1)
    const nonce = String(lastNonce)
    const page = await ctx.session.postForm(
      `${base}/${handler}`,
      [
        ['handler', handler],
        ['req', req],
        ['nonce', nonce],
        ['signature', lunanodeSignature(apiKey, handler, req, nonce)],
      ],
      opts,
    )
    let json: unknown
    try {
      json = JSON.parse(page.body)
    } catch {
      json = undefined
    }
    const failed = errorSchema.safeParse(json)
    if (page.status < 200 || page.status >= 300 || (failed.success && failed.data.success !== 'yes')) {
      const message = failed.success ? failed.data.error : page.body.slice(0, 200)
      throw new CloudomateError(
        'CLOUDOMATE_API_ERROR',
        `lunanode ${handler} answered HTTP ${page.status}: ${message}`,
        { provider: name, handler, status: page.status, message },
      )
    }
    const ok = replySchema.safeParse(json)
    const parsed = schema.safeParse(json)
    if (!ok.success || !parsed.success) {
      throw new CloudomateError('CLOUDOMATE_API_ERROR', `lunanode ${handler} answered another shape`, {
        provider: name,
        handler,
        issues: [...(ok.error?.issues ?? []), ...(parsed.error?.issues ?? [])],
      })
    }
    return parsed.data
  }
  return {
    name,
    website: 'https://www.lunanode.com',
    kind: 'api',
    gatewayFeePercent: 0,
    tunTap: false,
    enabled: true,
    notes: 'prepaid credit the operator funds on the billing site (no payment API); needs api_id, api_key',
    requiredSettings: () => ['hostname'],
    options: async (ctx, opts = {}) => {
      const { plans } = await call(ctx, 'plan/list/', {}, plansSchema, opts)
      return plans.map((p): VpsOption => ({
        provider: name,
        id: p.plan_id,
        name: p.name,
        cores: Number(p.vcpu),
        memoryGB: Number(p.ram) / 1024,
        storageGB: Number(p.storage),
        bandwidthTBPerMonth: p.bandwidth === undefined ? null : Number(p.bandwidth) / 1000,
        connectionGbps: null,
        price: { cents: hourlyToMonthCents(p.price), currency: 'USD', period: 'month' },
        virtualization: 'kvm',
        tunTap: false,
        inStock: true,
      }))
    },
    order: async (_ctx, option) => {
      throw new CloudomateError(
        'CLOUDOMATE_FUNDING_REQUIRED',
        `lunanode has no payment API: fund the account's credit on dynamic.lunanode.com (bitcoin is accepted there) with at least ${option.price.cents} US cents for a month of ${option.name}; nothing was paid`,
        { provider: name, optionId: option.id, monthCents: option.price.cents },
      )
    },
    state: async (ctx, account, opts = {}): Promise<ServiceState> => {
      const vmId = account.data['vmId']
      if (vmId === undefined) return create(ctx, account, opts)
      const { info } = await call(ctx, 'vm/info/', { vm_id: vmId }, infoSchema, opts)
      const ip = info.ip ?? ''
      if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(ip) || !/^online$/i.test(info.status_nohtml ?? ''))
        return { kind: 'pending', status: info.status_nohtml ?? 'provisioning', data: { vmId } }
      return { kind: 'active', ip, data: { vmId } }
    },
  }

  async function create(
    ctx: DriverContext,
    account: PurchaseAccount,
    opts: AbortOptions,
  ): Promise<ServiceState> {
    const imageId =
      options.imageId ??
      (await call(ctx, 'image/list/', { region }, imagesSchema, opts)).images.find(
        (i) => /debian/i.test(i.name) && (i.status ?? 'active') === 'active',
      )?.image_id
    if (imageId === undefined)
      throw new CloudomateError('CLOUDOMATE_API_ERROR', `lunanode lists no Debian image in ${region}`, {})
    // Single attempt per poll: a retried vm/create would start (and bill) a second VM.
    const created = await call(
      ctx,
      'vm/create/',
      {
        hostname: account.settings.hostname ?? 'dolly',
        region,
        plan_id: account.data['planId'] ?? account.optionId,
        image_id: imageId,
      },
      createSchema,
      opts,
    )
    return { kind: 'pending', status: 'created', data: { vmId: created.vm_id } }
  }
}
