/**
 * One shop's in-memory records: sessions, carts, clients, orders, services and the client-area
 * e-mail copies. Created per shop (no module state, STYLE.md §1.3); ids are sequential like WHMCS's.
 */
import type { Service } from './service.ts'
import type { BillingCycle } from './types.ts'

/** A product in the cart, as configured on `cart.php?a=confproduct`. */
export interface CartItem {
  readonly pid: number
  readonly billingCycle: BillingCycle
  readonly configOptions: Readonly<Record<number, number>>
  readonly hostname: string
  readonly rootPassword: string
  readonly ns1prefix: string
  readonly ns2prefix: string
  readonly configured: boolean
}

/** A WHMCS session (the `WHMCSxxxx` cookie). */
export interface Session {
  readonly id: string
  /** The CSRF token hidden in every form. */
  readonly token: string
  cart: CartItem[]
  clientId: number | null
  /** The order the last checkout created, for `cart.php?a=complete`. */
  lastOrderId: number | null
}

/** A registered client. */
export interface Client {
  readonly id: number
  readonly email: string
  readonly firstname: string
  readonly lastname: string
  readonly passwordHash: string
  readonly ip: string
  readonly createdMs: number
}

/** An order: one invoice paying for one or more services. */
export interface Order {
  readonly id: number
  /** The WHMCS invoice number shown on `viewinvoice.php?id=`. */
  readonly invoiceNum: number
  readonly clientId: number
  readonly serviceIds: readonly number[]
  readonly totalCents: number
  readonly amountSats: bigint
  /** The gateway's invoice id. */
  readonly gatewayInvoiceId: string
  readonly createdMs: number
}

/** A copy of an e-mail sent to a client, as the client area keeps it. */
export interface Email {
  readonly id: number
  readonly clientId: number
  readonly subject: string
  readonly html: string
  readonly sentMs: number
}

/** A shop's records. */
export interface ShopStore {
  readonly sessions: Map<string, Session>
  readonly clients: Map<number, Client>
  readonly orders: Map<number, Order>
  readonly services: Map<number, Service>
  readonly emails: Map<number, Email>
  /** World times of registrations per client IP (fraud quirk). */
  readonly registrationsByIp: Map<string, number[]>
  nextId(kind: 'client' | 'order' | 'invoice' | 'service' | 'email'): number
}

/** Creates an empty store; id counters start at WHMCS-looking values. */
export function createShopStore(): ShopStore {
  const counters: Record<'client' | 'order' | 'invoice' | 'service' | 'email', number> = {
    client: 1041,
    order: 17086,
    invoice: 27013,
    service: 8961,
    email: 176043,
  }
  return {
    sessions: new Map(),
    clients: new Map(),
    orders: new Map(),
    services: new Map(),
    emails: new Map(),
    registrationsByIp: new Map(),
    nextId(kind) {
      const id = counters[kind]
      counters[kind] = id + 1
      return id
    },
  }
}

/** The client with this e-mail (case-insensitive), if any. */
export function findClientByEmail(store: ShopStore, email: string): Client | undefined {
  const needle = email.toLowerCase()
  for (const c of store.clients.values()) if (c.email === needle) return c
  return undefined
}
