/**
 * A legacy Coinbase merchant checkout (`/checkouts/<id>`), the page the recorded `coinbase.html`
 * comes from: "Send exactly X BTC" and the BIP21 link with `r=` in `div.details p a` (CLOUDOMATE.md §5).
 */
import { formatBtc, type Clock } from '@dolly/base'
import { esc } from '../html.ts'
import { html, json, readRequest, text, type HttpHandler } from '../http.ts'
import { dueSats } from '../invoice.ts'
import type { PaymentBook } from '../payment-book.ts'
import { bip21, jsonPaymentRequest, type Gateway } from './gateway.ts'

/** Creates the Coinbase-like checkout gateway. */
export function createCoinbaseGateway(
  deps: { book: PaymentBook; clock: Clock },
  options: { baseUrl: () => string; network: string },
): Gateway {
  const handle: HttpHandler = async (request) => {
    const { url } = await readRequest(request)
    const checkout = /^\/checkouts\/([A-Za-z0-9]+)$/.exec(url.pathname)
    if (checkout !== null) {
      const invoice = await deps.book.refresh(checkout[1] ?? '')
      if (invoice === undefined) return html('<h1>Checkout not found</h1>', 404)
      if (invoice.status === 'expired') {
        return html('<div class="info"><p class="expired">This checkout has expired.</p></div>')
      }
      if (invoice.status !== 'new') {
        return html(
          `<div class="info"><p class="paid">Payment received (${esc(invoice.status)}). Thank you!</p></div>`,
        )
      }
      const due = dueSats(invoice)
      const uri = bip21(invoice.address, due, { r: `${options.baseUrl()}/r/${invoice.id}` })
      return html(`<!DOCTYPE html><html><head><meta charset="utf-8" /><title>Coinbase Checkout</title></head><body>
<div class="info">
    <p>Send exactly <strong class="amount">${formatBtc(due, { trim: true })} BTC</strong> to this address:</p>
    <div class="details">
        <p>
            <a href="${esc(uri)}"
               id="order_uri" class="code" target="_blank">${esc(invoice.address)}</a></p>
        <p class="timer pull-right"><span id="timer" data-expires="${invoice.expiresMs}"></span></p>
        <div style="position: relative; display: inline-block;">
            <a href="" class="btn copy-button btn-small" data-clipboard-text="${esc(invoice.address)}"
               data-hover="Copy address to clipboard" data-placement="top" style="display:none;">Copy address</a>
        </div>
    </div>
</div></body></html>`)
    }
    const request72 = /^\/r\/([A-Za-z0-9]+)$/.exec(url.pathname)
    if (request72 !== null) {
      const invoice = await deps.book.refresh(request72[1] ?? '')
      if (invoice === undefined || invoice.status !== 'new')
        return json({ error: 'payment request not available' }, 404)
      if (!(request.headers.get('accept') ?? '').includes('application/payment-request')) {
        return text('Send Accept: application/payment-request', 406)
      }
      return json(jsonPaymentRequest(invoice, `${options.baseUrl()}/r/${invoice.id}`, options.network), 200, {
        'content-type': 'application/payment-request',
      })
    }
    return html('<h1>Not Found</h1>', 404)
  }
  return {
    kind: 'coinbase',
    feePercent: 1,
    handle,
    paymentHtml: (ctx) =>
      `<form action="${esc(options.baseUrl())}/checkouts/${esc(ctx.invoice.id)}" method="get"><input type="submit" value="Pay with Bitcoin" class="coinbase-button" /></form>`,
  }
}
