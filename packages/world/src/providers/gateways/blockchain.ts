/**
 * The Blockchain.info WHMCS module page (TwoSync, CLOUDOMATE.md §5): `blockchain.php?invoice=<N>`
 * shows the amount and address in `<b>` tags and a `secret` in its script; after paying, the buyer
 * POSTs `blockchain_openTicket.php {invId, am, secret}`.
 */
import { formatBtc, type Clock, type Rng } from '@dolly/base'
import { esc, hidden } from '../html.ts'
import { html, readRequest, text, type HttpHandler } from '../http.ts'
import { dueSats } from '../invoice.ts'
import type { PaymentBook } from '../payment-book.ts'
import { randomHex } from '../random-text.ts'
import type { Gateway } from './gateway.ts'

/** Creates the blockchain-module gateway; invoices are found by the shop's invoice number. */
export function createBlockchainGateway(
  deps: { book: PaymentBook; clock: Clock; rng: Rng },
  options: { baseUrl: () => string },
): Gateway {
  const secrets = new Map<string, string>()
  const byNumber = (num: string) => deps.book.list().find((i) => i.orderId === num)
  const handle: HttpHandler = async (request) => {
    const { url, params } = await readRequest(request)
    if (url.pathname === '/modules/gateways/blockchain.php') {
      const found = byNumber(params.get('invoice') ?? '')
      const invoice = found === undefined ? undefined : await deps.book.refresh(found.id)
      if (invoice === undefined) return html('<p>Invoice not found</p>', 404)
      let secret = secrets.get(invoice.id)
      if (secret === undefined) {
        secret = randomHex(deps.rng, 24)
        secrets.set(invoice.id, secret)
      }
      const due = dueSats(invoice)
      const state =
        invoice.status === 'new'
          ? `<p>Please send <b>${formatBtc(due, { trim: true })} BTC</b> to <b>${esc(invoice.address)}</b></p>
<p>Once the payment has ${invoice.status === 'new' ? 'been sent' : 'arrived'}, press the button below.</p>
<form method="post" action="blockchain_openTicket.php">${hidden('invId', invoice.orderId)}${hidden('am', formatBtc(due, { trim: true }))}<input type="hidden" name="secret" id="secret" value="" /><input type="submit" value="I have paid" /></form>`
          : invoice.status === 'expired'
            ? '<p class="expired">This payment request has expired.</p>'
            : `<p class="paid">Payment received (${esc(invoice.status)}).</p>`
      return html(`<!DOCTYPE html><html><head><meta charset="utf-8" /><title>Pay with Bitcoin</title>
<script type="text/javascript">var invId = "${esc(invoice.orderId)}"; var secret = "${secret}"; document.addEventListener('DOMContentLoaded', function () { var s = document.getElementById('secret'); if (s) s.value = secret })</script>
</head><body><div class="blockchain-payment">${state}</div></body></html>`)
    }
    if (url.pathname === '/modules/gateways/blockchain_openTicket.php' && request.method === 'POST') {
      const found = byNumber(params.get('invId') ?? '')
      if (found === undefined || secrets.get(found.id) !== params.get('secret'))
        return text('Invalid request', 403)
      return text('Ticket opened: we will credit your invoice once the payment is confirmed.')
    }
    return html('<h1>Not Found</h1>', 404)
  }
  return {
    kind: 'blockchain',
    feePercent: 0,
    handle,
    paymentHtml: (ctx) => {
      const target = `${options.baseUrl()}/modules/gateways/blockchain.php`
      return `<form action="${esc(target)}" method="get">${hidden('invoice', ctx.invoiceNum)}<input type="submit" value="Pay with Bitcoin" /></form>
<div class="alert alert-info">If you are not redirected, <a class="alert-link" href="${esc(`${target}?invoice=${ctx.invoiceNum}`)}">click here to pay your invoice</a>.</div>`
    },
  }
}
