import { CloudomateError, centsToSats, type VpsDriver, type VpsOption } from '@dolly/cloudomate'
import type { Clock } from '@dolly/base'
import type { ChainBackend } from '@dolly/wallet'

/** An address the shop is paid at (its output script in hex, as the chain lists coins). */
export interface InvoiceAddress {
  readonly address: string
  readonly scriptHex: string
}

/** A server the memory shop provisioned. */
export interface MemoryServer {
  readonly invoice: number
  readonly optionId: string
  readonly ip: string
  readonly rootPassword: string
  readonly activeAtMs: number
  readonly expirationMs: number
}

/**
 * A VPS shop in memory (tests, the simulator): it lists `plans`, quotes each order at its own invoice
 * address for the plan's price in sats, and provisions the server once the chain holds a confirmed
 * payment of at least the quoted amount there. Nothing is faked on the money side: the agent's real
 * wallet pays through cloudomate's purchase flow, and the shop reads the chain.
 */
export function createMemoryShop(
  deps: {
    readonly chain: Pick<ChainBackend, 'listUnspent'>
    readonly clock: Clock
    /** The `n`th invoice's address (distinct per `n`). */
    readonly invoiceAddress: (n: number) => InvoiceAddress
  },
  options: {
    readonly name: string
    readonly plans: readonly VpsOption[]
    /** Sats per cent of the plan's currency the shop asks. */
    readonly satsPerUsd: bigint
    /** How long a server runs once paid (world ms). */
    readonly leaseMs: number
  },
): VpsDriver & { readonly servers: () => readonly MemoryServer[] } {
  const invoices: { readonly to: InvoiceAddress; readonly amountSats: bigint; readonly optionId: string }[] =
    []
  const servers = new Map<number, MemoryServer>()
  const invoiceOf = (data: Readonly<Record<string, string>>): number => {
    const n = Number(data['invoice'])
    if (!Number.isSafeInteger(n) || invoices[n] === undefined)
      throw new CloudomateError('CLOUDOMATE_SHOP_ERROR', `no invoice ${data['invoice'] ?? '(none)'}`, {})
    return n
  }
  return {
    name: options.name,
    website: `memory://${options.name}`,
    kind: 'api',
    gatewayFeePercent: 0,
    tunTap: false,
    enabled: true,
    requiredSettings: () => [],
    options: () => Promise.resolve(options.plans),
    order: (_ctx, option, account) => {
      const n = invoices.length
      const to = deps.invoiceAddress(n)
      const amountSats = centsToSats(option.price.cents, options.satsPerUsd)
      invoices.push({ to, amountSats, optionId: option.id })
      return Promise.resolve({
        quote: {
          gateway: 'memory',
          address: to.address,
          amountSats,
          invoiceId: `${options.name}-${n}`,
          invoiceUrl: `memory://${options.name}/invoice/${n}`,
        },
        data: { ...account.data, invoice: String(n) },
      })
    },
    async state(_ctx, account) {
      const n = invoiceOf(account.data)
      const known = servers.get(n)
      if (known !== undefined)
        return {
          kind: 'active',
          ip: known.ip,
          rootPassword: known.rootPassword,
          expirationMs: known.expirationMs,
        }
      const invoice = invoices[n]
      if (invoice === undefined) throw new CloudomateError('CLOUDOMATE_SHOP_ERROR', `no invoice ${n}`, {})
      const coins = await deps.chain.listUnspent([invoice.to.scriptHex])
      const paid = coins.reduce((sum, c) => sum + c.valueSats, 0n)
      if (paid < invoice.amountSats)
        return { kind: 'pending', status: `awaiting ${invoice.amountSats - paid} sats` }
      const nowMs = deps.clock.nowMs()
      const server: MemoryServer = {
        invoice: n,
        optionId: invoice.optionId,
        ip: `10.0.${Math.floor(n / 250)}.${(n % 250) + 2}`,
        rootPassword: `root-${options.name}-${n}`,
        activeAtMs: nowMs,
        expirationMs: nowMs + options.leaseMs,
      }
      servers.set(n, server)
      return {
        kind: 'active',
        ip: server.ip,
        rootPassword: server.rootPassword,
        expirationMs: server.expirationMs,
      }
    },
    servers: () => [...servers.values()],
  }
}
