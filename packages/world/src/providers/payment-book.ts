/**
 * A gateway's invoices over the provider's wallet: each invoice gets a fresh address, and `refresh`
 * folds what the wallet saw into the invoice state machine (`invoice.ts`).
 */
import type { Clock, Logger, Rng } from '@dolly/base'
import { COMPLETE_CONFIRMATIONS, DAY_MS } from './constants.ts'
import { newInvoice, observeInvoice, type Invoice } from './invoice.ts'
import type { ProviderWallet } from './ports.ts'
import { randomBase58 } from './random-text.ts'

/** Invoices refreshed at once; each costs three RPCs and Core's default RPC work queue is 16 deep. */
const REFRESH_BATCH = 4

/** Invoices of one gateway. */
export interface PaymentBook {
  /** Opens an invoice for `amountSats` at a fresh address. */
  create(input: { orderId: string; amountSats: bigint; priceCents: number }): Promise<Invoice>
  get(id: string): Invoice | undefined
  /** Re-reads the invoice's address and returns the updated invoice. */
  refresh(id: string): Promise<Invoice | undefined>
  /** Refreshes every invoice that can still change. */
  refreshOpen(): Promise<void>
  list(): readonly Invoice[]
  /** Output script (hex) of an invoice address, for BIP70 requests. */
  scriptPubKey(address: string): Promise<string>
}

/** Creates a payment book. */
export function createPaymentBook(
  deps: { wallet: ProviderWallet; clock: Clock; rng: Rng; log: Logger },
  options: { expiryMs: number; confirmations: number },
): PaymentBook {
  const invoices = new Map<string, Invoice>()
  const refresh = async (id: string): Promise<Invoice | undefined> => {
    const invoice = invoices.get(id)
    if (invoice === undefined || invoice.status === 'complete') return invoice
    const [seenSats, confirmedSats, completeSats] = await Promise.all([
      deps.wallet.receivedSats(invoice.address, 0),
      deps.wallet.receivedSats(invoice.address, options.confirmations),
      deps.wallet.receivedSats(invoice.address, Math.max(options.confirmations, COMPLETE_CONFIRMATIONS)),
    ])
    const current = invoices.get(id) ?? invoice
    const next = observeInvoice(current, { seenSats, confirmedSats, completeSats }, deps.clock.nowMs())
    if (next.status !== current.status || next.exceptionStatus !== current.exceptionStatus) {
      deps.log.info('gateway.invoice_status', {
        invoiceId: id,
        orderId: next.orderId,
        status: next.status,
        exceptionStatus: next.exceptionStatus,
        seenSats: next.seenSats,
        amountSats: next.amountSats,
      })
    }
    invoices.set(id, next)
    return next
  }
  return {
    async create(input) {
      const id = randomBase58(deps.rng, 22)
      const address = await deps.wallet.newAddress(`invoice-${id}`)
      const invoice = newInvoice({
        ...input,
        id,
        address,
        nowMs: deps.clock.nowMs(),
        expiryMs: options.expiryMs,
      })
      invoices.set(id, invoice)
      deps.log.info('gateway.invoice_created', {
        invoiceId: id,
        orderId: input.orderId,
        amountSats: input.amountSats,
        address,
      })
      return invoice
    },
    get: (id) => invoices.get(id),
    refresh,
    async refreshOpen() {
      const now = deps.clock.nowMs()
      // Expired invoices stay watched for a day so late payments are recorded (lateSats).
      const watched = [...invoices.values()].filter((i) =>
        i.status === 'expired' ? now < i.expiresMs + DAY_MS : i.status !== 'complete',
      )
      // In batches, so a shop with many open invoices does not flood the node's RPC work queue.
      for (let i = 0; i < watched.length; i += REFRESH_BATCH) {
        await Promise.all(watched.slice(i, i + REFRESH_BATCH).map((inv) => refresh(inv.id)))
      }
    },
    list: () => [...invoices.values()],
    scriptPubKey: (address) => deps.wallet.scriptPubKey(address),
  }
}
