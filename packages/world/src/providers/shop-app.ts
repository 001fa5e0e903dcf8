/**
 * A WHMCS-like shop as a `Request → Response` handler: listing, `cart.php` (add, confproduct with the
 * `ajax=1` answer, view, checkout, complete), invoices, and the client area (`clientarea-app.ts`).
 */
import { validateCheckout } from './checkout.ts'
import { handleClientArea } from './clientarea-app.ts'
import { applyConfigure, newCartItem } from './configure.ts'
import { esc, layout } from './html.ts'
import { html, readRequest, redirect, text, type HttpHandler } from './http.ts'
import { cartBody, checkoutBody, completeBody } from './pages/cart-pages.ts'
import { configureBody, listingBody } from './pages/catalog-pages.ts'
import { applyDrift, cycleCents, driftPercent } from './pricing.ts'
import type { ShopContext } from './shop-context.ts'
import { checkPassword, itemMonthlyCents, placeOrder, registerClient } from './shop-orders.ts'
import { challengePage, needsChallenge, resolveSession } from './shop-session.ts'
import { findClientByEmail, type Session } from './store.ts'

const GATEWAY_LABELS = {
  bitpay: 'BitPay',
  coinpayments: 'CoinPayments',
  coinbase: 'Coinbase',
  blockchain: 'Bitcoin (Blockchain.info)',
} as const

/** Creates the shop's HTTP handler. */
export function createShopHandler(ctx: ShopContext): HttpHandler {
  const { config } = ctx
  return async (request, peer) => {
    if (needsChallenge(ctx, request)) return html(challengePage(ctx), 200)
    const { url, params } = await readRequest(request)
    const { session, setCookie } = resolveSession(ctx, request)
    const cookie: Record<string, string> = setCookie === null ? {} : { 'set-cookie': setCookie }
    const page = (title: string, body: string, status = 200): Response =>
      html(layout(config.template, config.company, title, body, session.clientId !== null), status, cookie)
    const go = (location: string): Response => redirect(location, cookie)
    const path = url.pathname
    const action = params.get('a') ?? ''
    const isPost = request.method === 'POST'
    const tokenOk = params.get('token') === session.token

    if (
      path === '/' ||
      path === '/index.php' ||
      (path === '/cart.php' && (action === '' || action === 'gid'))
    ) {
      const percent = driftPercent(config.quirks, ctx.settings.openedMs, ctx.clock.nowMs())
      const priced = config.products.map((product) => ({
        product,
        monthlyCents: applyDrift(product.monthlyCents, percent),
      }))
      return page('Shopping Cart', listingBody(config.template, priced))
    }
    if (path === '/cart.php') {
      switch (action) {
        case 'add': {
          const product = config.products.find((p) => String(p.pid) === params.get('pid'))
          // Out of stock: WHMCS sends the buyer away from a=add (UndergroundPrivate, CLOUDOMATE.md §8).
          if (product === undefined || !product.inStock) return go('cart.php?gid=1')
          session.cart.push(newCartItem(config, product.pid, params.get('billingcycle')))
          return go(`cart.php?a=confproduct&i=${session.cart.length - 1}`)
        }
        case 'confproduct':
          return confproduct(ctx, session, params, isPost, tokenOk, page, go)
        case 'confdomains':
          return go('cart.php?a=view')
        case 'view': {
          const lines = session.cart.map((item) => {
            const product = config.products.find((p) => p.pid === item.pid)
            return {
              name: product?.name ?? '',
              hostname: item.hostname,
              cents: cycleCents(itemMonthlyCents(ctx, item), item.billingCycle),
              cycle: item.billingCycle,
            }
          })
          return page('Review & Checkout', cartBody(config.template, lines))
        }
        case 'checkout':
          return checkout(ctx, session, params, isPost, tokenOk, peer.remoteAddress, page, go)
        case 'complete': {
          const order = session.lastOrderId === null ? undefined : ctx.store.orders.get(session.lastOrderId)
          const client = order === undefined ? undefined : ctx.store.clients.get(order.clientId)
          const invoice = order === undefined ? undefined : ctx.book.get(order.gatewayInvoiceId)
          if (order === undefined || client === undefined || invoice === undefined) return go('cart.php')
          const paymentHtml = ctx.gateway.paymentHtml({
            invoice,
            invoiceNum: order.invoiceNum,
            firstname: client.firstname,
            lastname: client.lastname,
            email: client.email,
            returnUrl: `${ctx.baseUrl()}/viewinvoice.php?id=${order.invoiceNum}`,
          })
          const note =
            config.quirks.manualReviewMs > 0
              ? 'All orders are reviewed by our staff before activation; this can take several hours.'
              : ''
          return page(
            'Order Confirmation',
            completeBody({ orderId: order.id, invoiceNum: order.invoiceNum, paymentHtml, note }),
          )
        }
        default:
          return go('cart.php')
      }
    }
    if (path === '/viewinvoice.php') {
      const order = [...ctx.store.orders.values()].find((o) => String(o.invoiceNum) === params.get('id'))
      if (session.clientId === null) return go('clientarea.php')
      if (order === undefined || order.clientId !== session.clientId)
        return page('Invoice', '<div class="alert alert-danger">Invoice not found</div>', 404)
      const invoice = await ctx.book.refresh(order.gatewayInvoiceId)
      const client = ctx.store.clients.get(order.clientId)
      if (invoice === undefined || client === undefined)
        return page('Invoice', '<div class="alert alert-danger">Invoice not found</div>', 404)
      const unpaid = invoice.status === 'new'
      const status = unpaid ? 'Unpaid' : invoice.status === 'expired' ? 'Cancelled' : 'Paid'
      const form = unpaid
        ? ctx.gateway.paymentHtml({
            invoice,
            invoiceNum: order.invoiceNum,
            firstname: client.firstname,
            lastname: client.lastname,
            email: client.email,
            returnUrl: `${ctx.baseUrl()}/viewinvoice.php?id=${order.invoiceNum}`,
          })
        : ''
      return html(
        `<!DOCTYPE html><html><head><meta charset="utf-8" /><title>${esc(config.company)} - Invoice #${order.invoiceNum}</title></head><body>
<div class="container-fluid invoice-container"><h2>Invoice #${order.invoiceNum}</h2>
<div class="invoice-status"><span class="${status.toLowerCase()}">${status}</span></div>
<div class="payment-btn-container" align="center">${form}</div></div></body></html>`,
        200,
        cookie,
      )
    }
    return handleClientArea(ctx, { request, session, params, path, isPost, tokenOk, page, go })
  }
}

type PageFn = (title: string, body: string, status?: number) => Response
type GoFn = (location: string) => Response

function confproduct(
  ctx: ShopContext,
  session: Session,
  params: ReadonlyMap<string, string>,
  isPost: boolean,
  tokenOk: boolean,
  page: PageFn,
  go: GoFn,
): Response {
  const index = Number(params.get('i') ?? '0')
  const item = session.cart[index]
  const ajax = params.get('ajax') === '1'
  if (item === undefined) return ajax ? text('<li>Your shopping cart is empty</li>') : go('cart.php?a=view')
  const product = ctx.config.products.find((p) => p.pid === item.pid)
  if (product === undefined) return go('cart.php')
  const priced = {
    product,
    monthlyCents: applyDrift(
      product.monthlyCents,
      driftPercent(ctx.config.quirks, ctx.settings.openedMs, ctx.clock.nowMs()),
    ),
  }
  const render = (errors: readonly string[], current = item): Response =>
    page(
      'Configure',
      configureBody({
        template: ctx.config.template,
        index,
        product: priced,
        item: current,
        options: ctx.config.configOptions,
        token: session.token,
        errors,
      }),
    )
  if (!ajax && !isPost) return render([])
  if (!tokenOk) {
    const message = 'Invalid CSRF Protection Token'
    return ajax ? text(`<li>${message}</li>`) : render([message])
  }
  const result = applyConfigure(ctx.config, item, params)
  session.cart[index] = result.item
  // WHMCS's ajax answer: an empty body means success, otherwise the error list as <li> items.
  if (ajax) return text(result.errors.map((e) => `<li>${esc(e)}</li>`).join('\n'))
  return result.errors.length === 0 ? go('cart.php?a=confdomains') : render(result.errors, result.item)
}

async function checkout(
  ctx: ShopContext,
  session: Session,
  params: ReadonlyMap<string, string>,
  isPost: boolean,
  tokenOk: boolean,
  ip: string,
  page: PageFn,
  go: GoFn,
): Promise<Response> {
  if (session.cart.length === 0) return go('cart.php?a=view')
  const unconfigured = session.cart.findIndex((i) => !i.configured)
  if (unconfigured >= 0) return go(`cart.php?a=confproduct&i=${unconfigured}`)
  const totalCents = session.cart.reduce(
    (sum, item) => sum + cycleCents(itemMonthlyCents(ctx, item), item.billingCycle),
    0,
  )
  const render = (errors: readonly string[]): Response =>
    page(
      'Checkout',
      checkoutBody({
        template: ctx.config.template,
        gateway: ctx.config.gateway,
        gatewayLabel: GATEWAY_LABELS[ctx.config.gateway],
        token: session.token,
        totalCents,
        errors,
        values: params,
        loggedIn: session.clientId !== null,
      }),
    )
  if (!isPost) return render([])
  if (!tokenOk) return render(['Invalid CSRF Protection Token'])
  // The form's first submit button validates a promo code; an order must use #btnCompleteOrder.
  if (params.has('validatepromo')) return render(['The promotion code entered does not exist'])
  const loggedIn = session.clientId === null ? undefined : ctx.store.clients.get(session.clientId)
  if (loggedIn !== undefined) {
    const errors = [
      ...(params.get('accepttos') === undefined ? ['You must accept our Terms of Service'] : []),
      ...(params.get('paymentmethod') !== ctx.config.gateway
        ? ['You must select a valid payment method']
        : []),
    ]
    if (errors.length > 0) return render(errors)
    await placeOrder(ctx, session, loggedIn)
    return go('cart.php?a=complete')
  }
  const result = validateCheckout(params, {
    gateway: ctx.config.gateway,
    quirks: ctx.config.quirks,
    nowMs: ctx.clock.nowMs(),
    registrationsFromIp: ctx.store.registrationsByIp.get(ip) ?? [],
    emailTaken: (email) => findClientByEmail(ctx.store, email) !== undefined,
  })
  if (!result.ok) {
    ctx.log.info('shop.checkout_refused', { shop: ctx.config.name, reason: result.reason })
    return render(result.errors)
  }
  let client
  if (result.customer.kind === 'existing') {
    client = findClientByEmail(ctx.store, result.customer.email)
    if (client === undefined || !checkPassword(result.customer.password, client.passwordHash)) {
      return render(['Login Details Incorrect. Please try again.'])
    }
  } else {
    client = registerClient(ctx, result.customer.registration, ip)
  }
  session.clientId = client.id
  await placeOrder(ctx, session, client)
  return go('cart.php?a=complete')
}
