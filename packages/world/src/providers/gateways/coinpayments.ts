/**
 * A CoinPayments-like gateway with a session-bound checkout (CLOUDOMATE.md §5): the shop's form posts
 * `cmd=_pay` to `index.php`, which binds the invoice to a gateway session; form 0 (`selcoin`,
 * `checkout=1`, names, the JS-set `screen_res`) opens the transaction; `index.php?cmd=checkout` in the
 * same session shows the BIP21 link in `div.pay-block`. An IP with too many open transactions is
 * refused with CoinPayments' own wording.
 */
import { formatBtc, type Clock, type Rng } from '@dolly/base'
import { COINPAYMENTS_OPEN_PER_IP } from '../constants.ts'
import { esc, hidden } from '../html.ts'
import { html, readCookies, readRequest, redirect, sessionCookie, type HttpHandler } from '../http.ts'
import { dueSats, type Invoice } from '../invoice.ts'
import type { PaymentBook } from '../payment-book.ts'
import { randomHex } from '../random-text.ts'
import { bip21, type Gateway } from './gateway.ts'

/** The per-IP refusal text, verbatim from CoinPayments. */
export const TOO_MANY_OPEN_MESSAGE = 'Too many open transactions, try connecting from a different IP'

const COOKIE = 'PHPSESSID'

interface CpsSession {
  readonly invoiceId: string
  readonly ip: string
  opened: boolean
  readonly firstName: string
  readonly lastName: string
  readonly email: string
}

/** Creates the CoinPayments-like gateway. */
export function createCoinpaymentsGateway(
  deps: { book: PaymentBook; clock: Clock; rng: Rng },
  options: { baseUrl: () => string; merchantId: string },
): Gateway {
  const sessions = new Map<string, CpsSession>()
  const page = (title: string, body: string): string =>
    `<!DOCTYPE html><html><head><meta charset="utf-8" /><title>${esc(title)} - CoinPayments.net</title></head><body><div class="container" id="cps-main">${body}</div></body></html>`
  const statusText = (invoice: Invoice): string =>
    invoice.status === 'new'
      ? 'Waiting for buyer funds...'
      : invoice.status === 'paid'
        ? 'We have confirmed coin reception from the buyer, waiting for confirmations...'
        : invoice.status === 'expired'
          ? 'Cancelled / Timed Out'
          : 'Complete'
  const selectForm = (s: CpsSession, error: string): string =>
    `${error === '' ? '' : `<div class="alert alert-danger">${esc(error)}</div>`}
<form method="post" action="index.php" id="cps-checkout">
<select name="selcoin"><option value="">Select a coin</option><option value="BTC">Bitcoin (BTC)</option><option value="LTC">Litecoin (LTC)</option></select>
${hidden('checkout', 1)}
<input type="text" name="first_name" value="${esc(s.firstName)}" />
<input type="text" name="last_name" value="${esc(s.lastName)}" />
<input type="email" name="email" value="${esc(s.email)}" />
<input type="hidden" name="screen_res" id="screen_res" value="" />
<script>document.getElementById('screen_res').value = screen.width + 'x' + screen.height</script>
<input type="submit" value="Complete Checkout" /></form>`
  const openCount = (ip: string): number => {
    let n = 0
    for (const s of sessions.values()) {
      const inv = deps.book.get(s.invoiceId)
      if (s.ip === ip && s.opened && inv !== undefined && inv.status === 'new') n++
    }
    return n
  }
  const handle: HttpHandler = async (request, peer) => {
    const { url, params } = await readRequest(request)
    if (url.pathname !== '/index.php' && url.pathname !== '/')
      return html(page('Not Found', '<h1>Not Found</h1>'), 404)
    const sessionId = readCookies(request).get(COOKIE)
    const session = sessionId === undefined ? undefined : sessions.get(sessionId)
    if (params.get('cmd') === '_pay') {
      const invoice = deps.book.get(params.get('custom') ?? '')
      if (invoice === undefined || params.get('merchant') !== options.merchantId) {
        return html(page('Error', '<div class="alert alert-danger">Invalid merchant or payment.</div>'), 400)
      }
      const id = randomHex(deps.rng, 32)
      const s: CpsSession = {
        invoiceId: invoice.id,
        ip: peer.remoteAddress,
        opened: false,
        firstName: params.get('first_name') ?? '',
        lastName: params.get('last_name') ?? '',
        email: params.get('email') ?? '',
      }
      sessions.set(id, s)
      return html(
        page(
          'Checkout',
          `<h2>${esc(params.get('item_name') ?? 'Payment')}</h2><p>Total: ${esc(params.get('amountf') ?? '')} USD</p>${selectForm(s, '')}`,
        ),
        200,
        { 'set-cookie': sessionCookie(COOKIE, id) },
      )
    }
    if (session === undefined) {
      return html(
        page(
          'Session Expired',
          '<div class="alert alert-danger">Your checkout session has expired. Please go back to the merchant and try again.</div>',
        ),
        200,
      )
    }
    const invoice = await deps.book.refresh(session.invoiceId)
    if (invoice === undefined)
      return html(page('Error', '<div class="alert alert-danger">Payment not found.</div>'), 404)
    if (params.get('checkout') === '1' && request.method === 'POST') {
      if ((params.get('screen_res') ?? '') === '') {
        return html(
          page('Checkout', selectForm(session, 'Please enable JavaScript in your browser to continue.')),
        )
      }
      if (params.get('selcoin') !== 'BTC') {
        return html(
          page(
            'Checkout',
            selectForm(session, 'Please select a coin to pay with. This merchant accepts BTC.'),
          ),
        )
      }
      if (!session.opened) {
        if (openCount(peer.remoteAddress) >= COINPAYMENTS_OPEN_PER_IP) {
          return html(page('Checkout', `<div class="alert alert-danger">${TOO_MANY_OPEN_MESSAGE}</div>`))
        }
        session.opened = true
      }
      return redirect('index.php?cmd=checkout')
    }
    if (params.get('cmd') === 'checkout' && session.opened) {
      const due = dueSats(invoice)
      const payBlock =
        invoice.status === 'new'
          ? `<div class="pay-block"><p>Send <b>${formatBtc(due, { trim: true })} BTC</b> to</p><a href="${esc(bip21(invoice.address, due, { label: `CoinPayments ${invoice.id}` }))}">${esc(invoice.address)}</a><p class="timeout" data-expires="${invoice.expiresMs}">Time left to confirm funds</p></div>`
          : ''
      return html(
        page(
          'Payment',
          `<div class="payment-status"><span class="status-label">Status:</span> <span class="status-text">${esc(statusText(invoice))}</span></div>${payBlock}`,
        ),
      )
    }
    return html(page('Checkout', selectForm(session, '')))
  }
  return {
    kind: 'coinpayments',
    feePercent: 0,
    handle,
    paymentHtml: (ctx) =>
      `<form action="${esc(options.baseUrl())}/index.php" method="post">${[
        hidden('cmd', '_pay'),
        hidden('reset', 1),
        hidden('merchant', options.merchantId),
        hidden('item_name', `Invoice #${ctx.invoiceNum}`),
        hidden('invoice', ctx.invoiceNum),
        hidden('custom', ctx.invoice.id),
        hidden('currency', 'USD'),
        hidden('amountf', (ctx.invoice.priceCents / 100).toFixed(2)),
        hidden('quantity', 1),
        hidden('allow_quantity', 0),
        hidden('want_shipping', 0),
        hidden('first_name', ctx.firstname),
        hidden('last_name', ctx.lastname),
        hidden('email', ctx.email),
        hidden('success_url', ctx.returnUrl),
        hidden('cancel_url', ctx.returnUrl),
      ].join(
        '',
      )}<input type="image" src="https://www.coinpayments.net/images/pub/buynow-wide-blue.png" alt="Buy Now with CoinPayments.net" /></form>`,
  }
}
