/**
 * Njalla (CLOUDOMATE.md §13): JSON-RPC at `POST https://njal.la/api/1/` with `Authorization: Njalla
 * <token>`. The account's EUR wallet is topped up in bitcoin with `add-payment` (only 5 € or a multiple
 * of 15 € up to 300 €), and a server is then rented from the balance with `add-server`. SSH key only.
 * Shapes and their sources: test/fixtures/api/README.md.
 */
import { parseBtc, type AbortOptions } from '@dolly/base'
import { validateAddress } from '@dolly/wallet'
import { z } from 'zod'
import { CloudomateError } from '../errors.ts'
import { extractFromBip21 } from '../gateways/extract.ts'
import type { VpsOption } from '../model.ts'
import { parseCents } from '../price.ts'
import type { DriverContext, PurchaseAccount, ServiceState, VpsDriver } from '../providers/driver.ts'
import { callJson } from './json-api.ts'

/** Njalla's JSON-RPC endpoint. */
export const NJALLA_URL = 'https://njal.la/api/1/'
/** Months rented per purchase when `[njalla] months` is not set: one, like the shops. */
export const NJALLA_DEFAULT_MONTHS = 1
/** Largest wallet top-up in euros (Njalla API docs, add-payment: "5 or a multiple of 15, max 300"). */
export const NJALLA_MAX_TOPUP_EUR = 300n

const rpcSchema = z.object({
  result: z.unknown().optional(),
  error: z.object({ code: z.number().optional(), message: z.string() }).optional(),
})
const decimal = z.union([z.number(), z.string()]).transform((v) => String(v))
const serverTypesSchema = z.object({
  types: z.array(
    z.object({
      name: z.string().min(1),
      price: decimal,
      cores: z.number().optional(),
      ram: z.number().optional(),
      disk: z.number().optional(),
      bandwidth: z.number().optional(),
    }),
  ),
})
const paymentSchema = z.object({
  id: z.string().min(1),
  amount: z.number().int(),
  address: z.string().min(1),
  amount_btc: decimal.optional(),
  uri: z.string().optional(),
  status: z.string().optional(),
})
const balanceSchema = z.object({ balance: z.number() })
const serverSchema = z.object({
  id: z.string().min(1),
  status: z.string().optional(),
  ips: z.array(z.string()).optional(),
  expiry: z.string().nullish(),
})
const serversSchema = z.object({ servers: z.array(serverSchema) })

/**
 * The whole-euro top-up Njalla accepts for a charge of `cents`: the smallest amount of 5 € or 15·k €
 * that covers it.
 *
 * @throws CloudomateError CLOUDOMATE_TOPUP_OUT_OF_RANGE when more than 300 € would be needed
 */
export function njallaTopupEuros(cents: bigint): bigint {
  if (cents <= 500n) return 5n
  const fifteens = (cents + 1499n) / 1500n
  const euros = fifteens * 15n
  if (euros > NJALLA_MAX_TOPUP_EUR) {
    throw new CloudomateError(
      'CLOUDOMATE_TOPUP_OUT_OF_RANGE',
      `njalla tops a wallet up by at most ${NJALLA_MAX_TOPUP_EUR} EUR; ${cents} cents would need ${euros} EUR`,
      { cents, euros },
    )
  }
  return euros
}

/**
 * Checks a top-up amount against Njalla's rule (5 € or a multiple of 15 € up to 300 €).
 *
 * @throws CloudomateError CLOUDOMATE_TOPUP_OUT_OF_RANGE
 */
export function checkNjallaTopup(euros: bigint): void {
  if (euros === 5n || (euros > 0n && euros % 15n === 0n && euros <= NJALLA_MAX_TOPUP_EUR)) return
  throw new CloudomateError(
    'CLOUDOMATE_TOPUP_OUT_OF_RANGE',
    `njalla accepts a top-up of 5 EUR or a multiple of 15 EUR up to ${NJALLA_MAX_TOPUP_EUR} EUR, not ${euros} EUR`,
    { euros },
  )
}

/** Options of the Njalla driver. */
export interface NjallaOptions {
  readonly baseUrl?: string
  /** API token from njal.la/settings/api/. */
  readonly token?: string
  readonly months?: number
  /** `os` of add-server (an id from list-server-images). */
  readonly operatingSystem?: string
}

/** Creates the driver. */
export function createNjallaDriver(options: NjallaOptions = {}): VpsDriver {
  const url = options.baseUrl ?? NJALLA_URL
  const months = options.months ?? NJALLA_DEFAULT_MONTHS
  const os = options.operatingSystem ?? 'debian-12'
  const name = 'njalla'
  const token = (): string => {
    if (options.token === undefined)
      throw new CloudomateError('CLOUDOMATE_SETTINGS_INVALID', 'njalla needs [njalla] token', {})
    return options.token
  }
  const rpc = async <T>(
    ctx: DriverContext,
    method: string,
    params: Record<string, unknown>,
    schema: z.ZodType<T>,
    opts: AbortOptions,
  ): Promise<T> => {
    const reply = await callJson(ctx.session, name, 'POST', url, { method, params }, rpcSchema, {
      ...opts,
      headers: { authorization: `Njalla ${token()}` },
    })
    if (reply.error !== undefined) {
      throw new CloudomateError('CLOUDOMATE_API_ERROR', `njalla ${method}: ${reply.error.message}`, {
        provider: name,
        method,
        rpcCode: reply.error.code ?? null,
        message: reply.error.message,
      })
    }
    const parsed = schema.safeParse(reply.result)
    if (!parsed.success) {
      throw new CloudomateError(
        'CLOUDOMATE_API_ERROR',
        `njalla ${method} answered another shape: ${parsed.error.message}`,
        { provider: name, method, issues: parsed.error.issues },
      )
    }
    return parsed.data
  }
  const chargeCents = (option: VpsOption): bigint =>
    njallaTopupEuros(option.price.cents * BigInt(months)) * 100n
  return {
    name,
    website: 'https://njal.la',
    kind: 'api',
    gatewayFeePercent: 0,
    tunTap: false,
    enabled: true,
    notes: 'EUR wallet topped up in BTC (5 EUR or 15·k EUR); SSH key only; needs an API token',
    requiredSettings: () => ['ssh_public_key', 'hostname'],
    chargeCents,
    options: async (ctx, opts = {}) => {
      const { types } = await rpc(ctx, 'list-server-types', {}, serverTypesSchema, opts)
      return types.map((t) => ({
        provider: name,
        id: t.name,
        name: t.name,
        cores: t.cores ?? 0,
        memoryGB: (t.ram ?? 0) / 1024,
        storageGB: t.disk ?? 0,
        bandwidthTBPerMonth: t.bandwidth ?? null,
        connectionGbps: null,
        price: { cents: priceCents(t.price), currency: 'EUR' as const, period: 'month' as const },
        virtualization: 'kvm' as const,
        tunTap: false,
        inStock: true,
      }))
    },
    order: async (ctx, option, _account, opts = {}) => {
      const euros = chargeCents(option) / 100n
      checkNjallaTopup(euros)
      const payment = await rpc(
        ctx,
        'add-payment',
        { amount: Number(euros), via: 'bitcoin' },
        paymentSchema,
        opts,
      )
      if (BigInt(payment.amount) !== euros) {
        throw new CloudomateError(
          'CLOUDOMATE_API_ERROR',
          `njalla created a payment of ${payment.amount} EUR, asked for ${euros} EUR`,
          { asked: euros, got: payment.amount },
        )
      }
      const quoted = quoteAmount(ctx, payment)
      return {
        quote: {
          gateway: name,
          address: payment.address,
          amountSats: quoted.amountSats,
          ...(payment.uri === undefined ? {} : { bip21: payment.uri }),
          invoiceId: payment.id,
          invoiceUrl: `${url}#get-payment/${payment.id}`,
        },
        data: { paymentId: payment.id, serverType: option.id, topupEuros: euros.toString() },
      }
    },
    state: async (ctx, account, opts = {}): Promise<ServiceState> => {
      const serverId = account.data['serverId']
      if (serverId === undefined) return launch(ctx, account, opts)
      const { servers } = await rpc(ctx, 'list-servers', {}, serversSchema, opts)
      const server = servers.find((s) => s.id === serverId)
      if (server === undefined) return { kind: 'failed', status: 'server gone' }
      const ip = (server.ips ?? []).find((a) => /^\d{1,3}(\.\d{1,3}){3}$/.test(a))
      if (ip === undefined || server.status === 'stopped')
        return { kind: 'pending', status: server.status ?? 'provisioning' }
      return { kind: 'active', ip, sshKeyOnly: true }
    },
  }

  async function launch(
    ctx: DriverContext,
    account: PurchaseAccount,
    opts: AbortOptions,
  ): Promise<ServiceState> {
    const paymentId = account.data['paymentId']
    if (paymentId === undefined)
      throw new CloudomateError(
        'CLOUDOMATE_NOT_READY',
        `njalla purchase ${account.purchaseId} has no payment id`,
        {},
      )
    const euros = BigInt(account.data['topupEuros'] ?? '0')
    const { balance } = await rpc(ctx, 'get-balance', {}, balanceSchema, opts)
    // The balance is whole euros in every documented reply; a top-up that has not arrived leaves it short.
    if (BigInt(Math.floor(balance)) < euros) {
      const payment = await rpc(ctx, 'get-payment', { id: paymentId }, paymentSchema, opts)
      return { kind: 'pending', status: `waiting for the top-up (${payment.status ?? 'unconfirmed'})` }
    }
    // Single attempt per poll: a second add-server would rent a second server from the same balance.
    const server = await rpc(
      ctx,
      'add-server',
      {
        name: account.settings.hostname ?? 'dolly',
        type: account.data['serverType'] ?? account.optionId,
        os,
        sshkey: account.settings.ssh_public_key ?? '',
        months,
      },
      serverSchema,
      opts,
    )
    return { kind: 'pending', status: 'created', data: { serverId: server.id } }
  }
}

function priceCents(text: string): bigint {
  try {
    return parseCents(text)
  } catch (err) {
    throw new CloudomateError(
      'CLOUDOMATE_API_ERROR',
      `njalla server type price ${JSON.stringify(text)} is not a euro amount`,
      { text },
      { cause: err },
    )
  }
}

/** The amount to pay: `amount_btc` and the BIP21 `uri` must agree with each other and the address. */
function quoteAmount(ctx: DriverContext, payment: z.infer<typeof paymentSchema>): { amountSats: bigint } {
  const fromUri = payment.uri === undefined ? undefined : extractFromBip21('njalla', payment.uri, ctx.network)
  let fromField: bigint | undefined
  if (payment.amount_btc !== undefined) {
    try {
      fromField = parseBtc(payment.amount_btc)
    } catch (err) {
      throw new CloudomateError(
        'CLOUDOMATE_GATEWAY_CHANGED',
        `njalla amount_btc ${JSON.stringify(payment.amount_btc)} is not a BTC amount`,
        { gateway: 'njalla' },
        { cause: err },
      )
    }
  }
  try {
    validateAddress(payment.address, ctx.network)
  } catch (err) {
    throw new CloudomateError(
      'CLOUDOMATE_PAYMENT_REFUSED',
      `njalla address ${payment.address} is not valid on ${ctx.network.name}`,
      { gateway: 'njalla', reason: 'address' },
      { cause: err },
    )
  }
  if (
    fromUri !== undefined &&
    (fromUri.address !== payment.address || (fromField !== undefined && fromUri.amountSats !== fromField))
  ) {
    throw new CloudomateError(
      'CLOUDOMATE_GATEWAY_CHANGED',
      'njalla payment fields disagree with its payment URI',
      { gateway: 'njalla' },
    )
  }
  const amountSats = fromUri?.amountSats ?? fromField
  if (amountSats === undefined || amountSats <= 0n) {
    throw new CloudomateError('CLOUDOMATE_GATEWAY_CHANGED', 'njalla payment has no BTC amount', {
      gateway: 'njalla',
    })
  }
  return { amountSats }
}
