/**
 * The simulator's model of one provider for one family (issue 19): a VPS driver over the family's
 * memory chain, like plebnet's memory shop, with the scenario's behaviour: plan prices that drift
 * day by day, orders that are paid and then never become active (`failureRate`), a delay before a
 * paid server is active (`activationHours`) and the provider's lease. The agent buys from it
 * through cloudomate's real purchase flow with its real wallet; the shop reads the chain.
 */
import type { Clock, Rng } from '@dolly/base'
import { centsToSats, CloudomateError, type VpsDriver, type VpsOption } from '@dolly/cloudomate'
import type { ChainBackend } from '@dolly/wallet'
import type { ResolvedProvider } from './scenario.ts'

const HOUR_MS = 3_600_000
const DAY_MS = 86_400_000

/** An address the shop is paid at. */
export interface InvoiceAddress {
  readonly address: string
  readonly scriptHex: string
}

/** A server the shop provisioned. */
export interface EnvServer {
  readonly provider: string
  readonly option: string
  readonly ip: string
  readonly activeAtMs: number
  readonly expirationMs: number
}

/** What the scenario's events may change while the family runs. */
export interface ProviderBehaviour {
  failureRate: number
  refusalRate?: number | undefined
  banRatePerDay: number
  priceDriftPerDay: number
  activationHours: number
}

/** A simulated shop: a driver, its behaviour (events change it) and its daily price step. */
export interface EnvShop {
  readonly driver: VpsDriver
  readonly behaviour: ProviderBehaviour
  readonly leaseMs: number
  /** Moves every plan's price one day on (a log-normal step of σ `priceDriftPerDay`). */
  driftPrices(normal: () => number): void
  /** The server at `ip`, if this shop provisioned it. */
  server(ip: string): EnvServer | undefined
}

interface Invoice {
  readonly to: InvoiceAddress
  readonly amountSats: bigint
  readonly option: string
  /** Drawn at the order: this order is paid and never activated. */
  readonly fails: boolean
  paidSeenMs: number | null
}

/**
 * The shop of `provider` for one family. `ipPrefix` keeps the family's addresses apart (an ip
 * names one server in the family); `rng` draws the orders' failures.
 */
export function createEnvShop(
  deps: {
    readonly chain: Pick<ChainBackend, 'listUnspent'>
    readonly clock: Clock
    readonly rng: Rng
    readonly invoiceAddress: (n: number) => InvoiceAddress
    readonly ipPrefix: string
  },
  provider: ResolvedProvider,
  satsPerUsd: bigint,
): EnvShop {
  const behaviour: ProviderBehaviour = {
    failureRate: provider.failureRate,
    refusalRate: provider.refusalRate,
    banRatePerDay: provider.banRatePerDay,
    priceDriftPerDay: provider.priceDriftPerDay,
    activationHours: provider.activationHours,
  }
  const leaseMs = provider.leaseDays * DAY_MS
  /** Price factor of the plans, moved by the drift. */
  let factor = 1
  let plans: VpsOption[] = []
  const build = (): void => {
    plans = provider.plans.map((p, i) => ({
      provider: provider.name,
      id: String(i + 1),
      name: p.name,
      cores: p.cores,
      memoryGB: p.memoryGB,
      storageGB: 10,
      bandwidthTBPerMonth: p.bandwidthTB,
      connectionGbps: 1,
      price: {
        cents: BigInt(Math.max(1, Math.round(p.monthlyCents * factor))),
        currency: 'USD',
        period: 'month',
      },
      virtualization: 'kvm',
      tunTap: true,
      inStock: true,
    }))
  }
  build()
  const invoices: Invoice[] = []
  const servers = new Map<number, EnvServer>()
  const byIp = new Map<string, EnvServer>()
  const invoiceOf = (data: Readonly<Record<string, string>>): number => {
    const n = Number(data['invoice'])
    if (!Number.isSafeInteger(n) || invoices[n] === undefined)
      throw new CloudomateError('CLOUDOMATE_SHOP_ERROR', `no invoice ${data['invoice'] ?? '(none)'}`, {})
    return n
  }
  const driver: VpsDriver = {
    name: provider.name,
    website: `sim://${provider.name}`,
    kind: 'api',
    gatewayFeePercent: 0,
    tunTap: true,
    enabled: true,
    requiredSettings: () => [],
    options: () => Promise.resolve(plans),
    order: (_ctx, option, account) => {
      // Drawn only when the shop refuses some orders, so scenarios without refusals keep their draws.
      const refusal = behaviour.refusalRate ?? 0
      if (refusal > 0 && deps.rng.float() < refusal)
        return Promise.reject(
          new CloudomateError('CLOUDOMATE_SHOP_ERROR', `${provider.name} refused the order`, {}),
        )
      const n = invoices.length
      const to = deps.invoiceAddress(n)
      const amountSats = centsToSats(option.price.cents, satsPerUsd)
      invoices.push({
        to,
        amountSats,
        option: option.name,
        fails: deps.rng.float() < behaviour.failureRate,
        paidSeenMs: null,
      })
      return Promise.resolve({
        quote: {
          gateway: 'sim',
          address: to.address,
          amountSats,
          invoiceId: `${provider.name}-${n}`,
          invoiceUrl: `sim://${provider.name}/invoice/${n}`,
        },
        data: { ...account.data, invoice: String(n) },
      })
    },
    async state(_ctx, account) {
      const n = invoiceOf(account.data)
      const known = servers.get(n)
      if (known !== undefined)
        return { kind: 'active', ip: known.ip, rootPassword: `root-${n}`, expirationMs: known.expirationMs }
      const invoice = invoices[n]
      if (invoice === undefined) throw new CloudomateError('CLOUDOMATE_SHOP_ERROR', `no invoice ${n}`, {})
      const nowMs = deps.clock.nowMs()
      if (invoice.paidSeenMs === null) {
        const coins = await deps.chain.listUnspent([invoice.to.scriptHex])
        const paid = coins.reduce((sum, c) => sum + c.valueSats, 0n)
        if (paid < invoice.amountSats)
          return { kind: 'pending', status: `awaiting ${invoice.amountSats - paid} sats` }
        invoice.paidSeenMs = nowMs
      }
      const readyMs = invoice.paidSeenMs + behaviour.activationHours * HOUR_MS
      if (nowMs < readyMs) return { kind: 'pending', status: 'in manual review' }
      if (invoice.fails) return { kind: 'failed', status: 'order cancelled by the provider' }
      const server: EnvServer = {
        provider: provider.name,
        option: invoice.option,
        ip: `${deps.ipPrefix}.${n}`,
        activeAtMs: nowMs,
        expirationMs: nowMs + leaseMs,
      }
      servers.set(n, server)
      byIp.set(server.ip, server)
      return { kind: 'active', ip: server.ip, rootPassword: `root-${n}`, expirationMs: server.expirationMs }
    },
  }
  return {
    driver,
    behaviour,
    leaseMs,
    driftPrices(normal) {
      if (behaviour.priceDriftPerDay === 0) return
      factor = Math.min(100, Math.max(0.01, factor * Math.exp(behaviour.priceDriftPerDay * normal())))
      build()
    },
    server: (ip) => byIp.get(ip),
  }
}
