/**
 * A BitPay-like gateway: the invoice page, the no-script page, `/invoiceData/<id>` shaped like the
 * recorded `bitpay_invoice_data.json`, BIP21/BIP72 payment URLs and the JSON payment request at
 * `/i/<id>` (CLOUDOMATE.md §5).
 */
import { formatBtc, type Clock } from '@dolly/base'
import { esc, hidden } from '../html.ts'
import { html, json, readRequest, text, type HttpHandler } from '../http.ts'
import { dueSats, type Invoice } from '../invoice.ts'
import type { PaymentBook } from '../payment-book.ts'
import { encodePaymentRequest } from './bip70.ts'
import { bip21, jsonPaymentRequest, type Gateway } from './gateway.ts'

/** The `/invoiceData/<id>` document (BitPay's `public/invoice` facade). */
export function bitpayInvoiceData(
  invoice: Invoice,
  ctx: { baseUrl: string; nowMs: number; satsPerUsd: bigint; feePercent: number; redirectUrl: string },
): Record<string, unknown> {
  const subtotal = (invoice.amountSats * 100n) / BigInt(100 + ctx.feePercent)
  const minerFee = invoice.amountSats - subtotal
  const due = dueSats(invoice)
  const requestUrl = `${ctx.baseUrl}/i/${invoice.id}`
  const urls = {
    BIP21: bip21(invoice.address, due),
    BIP72: bip21(invoice.address, due, { r: requestUrl }),
    BIP72b: `bitcoin:?r=${requestUrl}`,
    BIP73: requestUrl,
  }
  const usdPerBtc = Number(100_000_000n / ctx.satsPerUsd)
  return {
    facade: 'public/invoice',
    data: {
      url: `${ctx.baseUrl}/invoice?id=${invoice.id}`,
      posData: JSON.stringify({ posData: invoice.orderId }),
      status: invoice.status,
      btcPrice: formatBtc(subtotal, { trim: true }),
      btcDue: formatBtc(due, { trim: true }),
      price: invoice.priceCents / 100,
      currency: 'USD',
      orderId: invoice.orderId,
      invoiceTime: invoice.createdMs,
      expirationTime: invoice.expiresMs,
      currentTime: ctx.nowMs,
      id: invoice.id,
      lowFeeDetected: false,
      amountPaid: Number(invoice.seenSats),
      btcPaid: formatBtc(invoice.seenSats),
      rate: usdPerBtc,
      exceptionStatus: invoice.exceptionStatus,
      redirectURL: ctx.redirectUrl,
      refundAddressRequestPending: false,
      buyerProvidedInfo: { selectedTransactionCurrency: 'BTC' },
      addresses: { BTC: invoice.address },
      paymentSubtotals: { BTC: Number(subtotal) },
      paymentTotals: { BTC: Number(invoice.amountSats) },
      bitcoinAddress: invoice.address,
      minerFees: { BTC: { totalFee: Number(minerFee), satoshisPerByte: 1 } },
      buyerPaidBtcMinerFee: formatBtc(minerFee),
      supportedTransactionCurrencies: { BTC: { enabled: true } },
      exRates: { USD: usdPerBtc },
      paymentUrls: urls,
      exchangeRates: { BTC: { USD: usdPerBtc } },
      paymentCodes: { BTC: urls },
    },
  }
}

/** Creates the BitPay-like gateway over `book`; `baseUrl()` is where its server listens. */
export function createBitpayGateway(
  deps: { book: PaymentBook; clock: Clock },
  options: { baseUrl: () => string; satsPerUsd: bigint; network: string },
): Gateway {
  const feePercent = 1
  const invoicePage = (invoice: Invoice, noscript: boolean): string => {
    const due = dueSats(invoice)
    const uri = bip21(invoice.address, due, noscript ? {} : { r: `${options.baseUrl()}/i/${invoice.id}` })
    const state =
      invoice.status === 'expired'
        ? '<div class="expired-invoice"><h1>Invoice Expired</h1><p>This invoice has expired. If you already sent a payment, contact the merchant for a refund.</p></div>'
        : invoice.status === 'new'
          ? `<div class="payment-box"><p>Pay <span class="invoice-amount">${formatBtc(due, { trim: true })} BTC</span> to</p>
<input type="text" class="payment-address" readonly value="${esc(invoice.address)}" />
<a class="payment-uri btn" href="${esc(uri)}">Open in Wallet</a>
<p class="expires" data-expiration="${invoice.expiresMs}">This invoice expires in 15:00</p>
${invoice.exceptionStatus === 'paidPartial' ? '<p class="underpaid">This invoice was partially paid. Please send the remaining amount.</p>' : ''}</div>`
          : `<div class="paid-invoice"><h1>Invoice Paid</h1><p class="status" data-status="${invoice.status}">${invoice.status}</p></div>`
    return `<!DOCTYPE html><html><head><meta charset="utf-8" /><title>BitPay Invoice</title></head>
<body class="${noscript ? 'noscript' : 'invoice'}"><div id="invoice" data-invoice-id="${esc(invoice.id)}">
<div class="merchant-name">Invoice ${esc(invoice.id)}</div>
<div class="line-items"><span class="price">$${(invoice.priceCents / 100).toFixed(2)} USD</span></div>
${state}</div></body></html>`
  }
  const handle: HttpHandler = async (request) => {
    const { url, params } = await readRequest(request)
    const path = url.pathname
    const find = async (id: string | undefined): Promise<Invoice | undefined> =>
      id === undefined ? undefined : await deps.book.refresh(id)
    if (path === '/invoice' || path === '/invoice-noscript') {
      const invoice = await find(params.get('id'))
      if (invoice === undefined) return html('<h1>Invoice Not Found</h1>', 404)
      return html(invoicePage(invoice, path === '/invoice-noscript'))
    }
    const data = /^\/invoiceData\/([A-Za-z0-9]+)$/.exec(path)
    if (data !== null) {
      const invoice = await find(data[1])
      if (invoice === undefined) return json({ error: 'Object not found' }, 404)
      return json(
        bitpayInvoiceData(invoice, {
          baseUrl: options.baseUrl(),
          nowMs: deps.clock.nowMs(),
          satsPerUsd: options.satsPerUsd,
          feePercent,
          redirectUrl: '',
        }),
      )
    }
    const req = /^\/i\/([A-Za-z0-9]+)$/.exec(path)
    if (req !== null) {
      const invoice = await find(req[1])
      if (invoice === undefined) return json({ error: 'This invoice does not exist' }, 404)
      if (invoice.status !== 'new')
        return json({ error: `This invoice is no longer accepting payments (${invoice.status})` }, 422)
      const accept = request.headers.get('accept') ?? ''
      if (accept.includes('application/bitcoin-paymentrequest')) {
        const script = Buffer.from(await deps.book.scriptPubKey(invoice.address), 'hex')
        const body = encodePaymentRequest({
          network: options.network,
          outputs: [{ amountSats: dueSats(invoice), script }],
          time: Math.floor(invoice.createdMs / 1000),
          expires: Math.floor(invoice.expiresMs / 1000),
          memo: `Payment request for BitPay invoice ${invoice.id}`,
          paymentUrl: `${options.baseUrl()}/i/${invoice.id}`,
          merchantData: new TextEncoder().encode(invoice.id),
        })
        return new Response(body, {
          status: 200,
          headers: { 'content-type': 'application/bitcoin-paymentrequest' },
        })
      }
      if (!accept.includes('application/payment-request')) {
        return text(
          'Send Accept: application/payment-request (JSON payment protocol) or application/bitcoin-paymentrequest (BIP70)',
          406,
        )
      }
      return json(jsonPaymentRequest(invoice, `${options.baseUrl()}/i/${invoice.id}`, options.network), 200, {
        'content-type': 'application/payment-request',
      })
    }
    return html('<h1>Not Found</h1>', 404)
  }
  return {
    kind: 'bitpay',
    feePercent,
    handle,
    paymentHtml: (ctx) =>
      `<form action="${esc(options.baseUrl())}/invoice" method="get">${hidden('id', ctx.invoice.id)}<input type="submit" value="Pay Now" class="btn btn-primary" /></form>`,
  }
}
