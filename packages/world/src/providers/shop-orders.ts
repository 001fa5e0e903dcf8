/** Turning a validated checkout into a client, services, an order, a gateway invoice and e-mails. */
import { createHash } from 'node:crypto'
import { CYCLE_MONTHS, ROOT_PASSWORD_LENGTH } from './constants.ts'
import type { Registration } from './checkout.ts'
import { accountWelcomeMail, invoiceMail, orderConfirmationMail, type MailContent } from './emails.ts'
import { withGatewayFee } from './gateways/gateway.ts'
import { applyDrift, centsToSats, cycleCents, driftPercent, monthlyCents } from './pricing.ts'
import { randomAlnum, randomHex } from './random-text.ts'
import type { Service } from './service.ts'
import type { ShopContext } from './shop-context.ts'
import type { CartItem, Client, Order, Session } from './store.ts'

/** Salted SHA-256 of a client password (`salt:hash`). */
export function hashPassword(password: string, salt: string): string {
  return `${salt}:${createHash('sha256').update(`${salt}:${password}`).digest('hex')}`
}

/** True when `password` matches a `hashPassword` result. */
export function checkPassword(password: string, stored: string): boolean {
  const salt = stored.slice(0, stored.indexOf(':'))
  return hashPassword(password, salt) === stored
}

/** Current monthly price of a cart item in cents, drift included. */
export function itemMonthlyCents(ctx: ShopContext, item: CartItem): number {
  const product = ctx.config.products.find((p) => p.pid === item.pid)
  if (product === undefined) return 0
  const percent = driftPercent(ctx.config.quirks, ctx.settings.openedMs, ctx.clock.nowMs())
  return applyDrift(monthlyCents(product, ctx.config.configOptions, item.configOptions), percent)
}

/** Stores a copy of an e-mail in the client area. */
export function sendMail(ctx: ShopContext, clientId: number, mail: MailContent): void {
  const id = ctx.store.nextId('email')
  ctx.store.emails.set(id, {
    id,
    clientId,
    subject: mail.subject,
    html: mail.html,
    sentMs: ctx.clock.nowMs(),
  })
}

/** Registers a new client from the checkout and records the registration for the fraud quirk. */
export function registerClient(ctx: ShopContext, registration: Registration, ip: string): Client {
  const id = ctx.store.nextId('client')
  const now = ctx.clock.nowMs()
  const client: Client = {
    id,
    email: registration.email.toLowerCase(),
    firstname: registration.firstname,
    lastname: registration.lastname,
    passwordHash: hashPassword(registration.password, randomHex(ctx.rng, 16)),
    ip,
    createdMs: now,
  }
  ctx.store.clients.set(id, client)
  ctx.store.registrationsByIp.set(ip, [...(ctx.store.registrationsByIp.get(ip) ?? []), now])
  sendMail(
    ctx,
    id,
    accountWelcomeMail(ctx.config.company, `${client.firstname} ${client.lastname}`, client.email),
  )
  ctx.log.info('shop.client_registered', { shop: ctx.config.name, clientId: id })
  return client
}

/** Places the order for everything in the session's cart: services, one invoice, e-mails. */
export async function placeOrder(ctx: ShopContext, session: Session, client: Client): Promise<Order> {
  const now = ctx.clock.nowMs()
  const orderId = ctx.store.nextId('order')
  const invoiceNum = ctx.store.nextId('invoice')
  let totalCents = 0
  const pending: Service[] = []
  for (const item of session.cart) {
    const product = ctx.config.products.find((p) => p.pid === item.pid)
    if (product === undefined) continue
    const recurringCents = cycleCents(itemMonthlyCents(ctx, item), item.billingCycle)
    totalCents += recurringCents
    pending.push({
      id: ctx.store.nextId('service'),
      clientId: client.id,
      orderId,
      pid: product.pid,
      productName: product.name,
      hostname: item.hostname,
      // A shop with the random-root-password quirk ignores the order's password (CrownCloud).
      rootPassword:
        ctx.config.quirks.randomRootPassword || item.rootPassword === ''
          ? randomAlnum(ctx.rng, ROOT_PASSWORD_LENGTH)
          : item.rootPassword,
      billingCycle: item.billingCycle,
      recurringCents,
      leaseMs: CYCLE_MONTHS[item.billingCycle] * ctx.settings.monthMs,
      ...(product.bandwidthMbit === undefined ? {} : { bandwidthMbit: product.bandwidthMbit }),
      invoiceId: '',
      createdMs: now,
      state: { kind: 'awaiting-payment' },
    })
  }
  const amountSats = withGatewayFee(centsToSats(totalCents, ctx.settings.satsPerUsd), ctx.gateway.feePercent)
  const invoice = await ctx.book.create({ orderId: String(invoiceNum), amountSats, priceCents: totalCents })
  for (const s of pending) ctx.store.services.set(s.id, { ...s, invoiceId: invoice.id })
  const order: Order = {
    id: orderId,
    invoiceNum,
    clientId: client.id,
    serviceIds: pending.map((s) => s.id),
    totalCents,
    amountSats,
    gatewayInvoiceId: invoice.id,
    createdMs: now,
  }
  ctx.store.orders.set(orderId, order)
  const name = `${client.firstname} ${client.lastname}`
  sendMail(
    ctx,
    client.id,
    orderConfirmationMail(
      ctx.config.company,
      name,
      orderId,
      pending.map((s) => s.productName).join(', '),
      totalCents,
    ),
  )
  sendMail(ctx, client.id, invoiceMail(ctx.config.company, name, invoiceNum, totalCents, amountSats))
  session.cart = []
  session.lastOrderId = orderId
  ctx.log.info('shop.order_placed', {
    shop: ctx.config.name,
    orderId,
    invoiceNum,
    totalCents,
    amountSats,
    invoiceId: invoice.id,
  })
  return order
}
