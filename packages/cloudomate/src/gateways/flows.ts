/**
 * Following a WHMCS invoice's auto-submit form to each gateway and reading the payment request there
 * (CLOUDOMATE.md §4 steps 5–6, §5). The session is the shop's session: CoinPayments binds the checkout
 * to its own cookie, so the whole walk must stay in one jar.
 */
import * as cheerio from 'cheerio'
import { formatBtc, type AbortOptions } from '@dolly/base'
import type { NetworkParams } from '@dolly/wallet'
import { CloudomateError } from '../errors.ts'
import { parseForm, type Form } from '../http/form.ts'
import type { HttpSession, Page } from '../http/session.ts'
import type { PaymentQuote } from '../model.ts'
import type { WhmcsGateway } from '../whmcs/shop-config.ts'
import { classifyShopMessages } from '../whmcs/classify.ts'
import { resolveHref } from '../whmcs/href.ts'
import {
  extractBitpayInvoiceData,
  extractBlockchainModulePage,
  extractCoinbasePage,
  extractCoinifyPage,
  extractCoinpaymentsPage,
  extractSpectrocoinPage,
  type Extracted,
} from './extract.ts'

/** Percent each gateway adds on top of the price (§5). */
export const GATEWAY_FEE_PERCENT: Readonly<Record<WhmcsGateway, number>> = Object.freeze({
  bitpay: 1,
  coinbase: 1,
  coinpayments: 0,
  coinify: 0,
  blockchain: 0,
  spectrocoin: 0,
})

/** A quote plus what must happen after paying (the blockchain module's ticket). */
export interface GatewayQuote {
  readonly quote: PaymentQuote
  afterPay?(options?: AbortOptions): Promise<void>
}

/** Submits a form as a browser would (GET with the query, or POST). */
export async function submitForm(
  session: HttpSession,
  form: Form,
  submitter?: string,
  options: AbortOptions = {},
): Promise<Page> {
  const fields = form.serialize(submitter)
  if (form.method === 'get') {
    const url = new URL(form.action)
    url.search = new URLSearchParams(fields.map(([k, v]): [string, string] => [k, v])).toString()
    return session.get(url.toString(), options)
  }
  return session.postForm(form.action, fields, options)
}

const gatewayChanged = (gateway: string, message: string, url: string) =>
  new CloudomateError('CLOUDOMATE_GATEWAY_CHANGED', `${gateway}: ${message}`, { gateway, url })

/** The invoice's auto-submit form: `#submitfrm form`, `form#myForm` (Coinify), or the first form. */
function invoiceForm(page: Page, gateway: WhmcsGateway): Form {
  const $ = cheerio.load(page.body)
  const selector = ['#submitfrm form', 'form#myForm', '.payment-btn-container form'].find(
    (s) => $(s).length > 0,
  )
  try {
    return parseForm(page.body, page.url, selector === undefined ? { index: 0 } : { selector })
  } catch {
    throw gatewayChanged(gateway, `no gateway form on the invoice page ${page.url}`, page.url)
  }
}

/**
 * From the order-complete (or invoice) page to a payment quote.
 *
 * @throws CloudomateError CLOUDOMATE_GATEWAY_CHANGED, CLOUDOMATE_GATEWAY_RATE_LIMITED,
 *   CLOUDOMATE_PAYMENT_REFUSED (address of another network)
 */
export async function quoteFromInvoicePage(
  gateway: WhmcsGateway,
  session: HttpSession,
  page: Page,
  network: NetworkParams,
  options: AbortOptions = {},
): Promise<GatewayQuote> {
  const quote = (x: Extracted, invoiceUrl: string, fallbackId: string): PaymentQuote => ({
    gateway,
    address: x.address,
    amountSats: x.amountSats,
    ...(x.bip21 === undefined ? {} : { bip21: x.bip21 }),
    invoiceId: x.invoiceId ?? fallbackId,
    invoiceUrl,
    ...(x.expiresAtMs === undefined ? {} : { expiresAtMs: x.expiresAtMs }),
  })
  switch (gateway) {
    case 'bitpay': {
      const form = invoiceForm(page, gateway)
      const id = form.get('id') ?? new URL(form.action).searchParams.get('id')
      if (id === undefined || id === null || !/^[A-Za-z0-9]+$/.test(id))
        throw gatewayChanged(gateway, 'the BitPay form carries no invoice id', page.url)
      const landing = await submitForm(session, form, undefined, options)
      // BitPay's 2017 invoice data API, next to the invoice page it sent us to.
      const dataUrl = new URL(`/invoiceData/${id}`, landing.url).toString()
      const data = await session.get(dataUrl, { ...options, headers: { accept: 'application/json' } })
      let json: unknown
      try {
        json = JSON.parse(data.body)
      } catch {
        throw gatewayChanged(gateway, `invoice data at ${dataUrl} is not JSON (HTTP ${data.status})`, dataUrl)
      }
      const x = extractBitpayInvoiceData(json, network)
      if (x.status !== 'new')
        throw new CloudomateError(
          'CLOUDOMATE_INVOICE_EXPIRED',
          `BitPay invoice ${id} is ${x.status}, not payable`,
          {
            gateway,
            status: x.status,
          },
        )
      return { quote: quote(x, landing.url, id) }
    }
    case 'coinbase':
    case 'coinify':
    case 'spectrocoin': {
      const form = invoiceForm(page, gateway)
      const landing = await submitForm(session, form, undefined, options)
      const x =
        gateway === 'coinbase'
          ? extractCoinbasePage(landing.body, network)
          : gateway === 'coinify'
            ? extractCoinifyPage(landing.body, network)
            : extractSpectrocoinPage(landing.body, network)
      return { quote: quote(x, landing.url, new URL(landing.url).pathname.split('/').pop() ?? landing.url) }
    }
    case 'coinpayments': {
      const form = invoiceForm(page, gateway)
      const invoiceId = form.get('custom') ?? form.get('invoice') ?? ''
      const select = await submitForm(session, form, undefined, options)
      let coinForm: Form
      try {
        coinForm = parseForm(select.body, select.url, { index: 0 })
      } catch {
        throw gatewayChanged(gateway, 'no coin selection form', select.url)
      }
      coinForm.set('selcoin', 'BTC')
      coinForm.add('checkout', '1')
      // Set by the page's script from the screen size; the gateway refuses an empty one.
      coinForm.add('screen_res', '1920x1080')
      const checkout = await submitForm(session, coinForm, undefined, options)
      const $ = cheerio.load(checkout.body)
      if ($('div.pay-block').length === 0) {
        const message = $('div.alert-danger').text().trim()
        const code = classifyShopMessages([message])
        if (code === 'CLOUDOMATE_GATEWAY_RATE_LIMITED')
          throw new CloudomateError(code, `CoinPayments: ${message}; retry after 24 h or from another IP`, {
            gateway,
          })
        throw gatewayChanged(
          gateway,
          `no payment block after checkout${message === '' ? '' : `: ${message}`}`,
          checkout.url,
        )
      }
      return { quote: quote(extractCoinpaymentsPage(checkout.body, network), checkout.url, invoiceId) }
    }
    case 'blockchain': {
      // TwoSync: the alert link leads to the module page; otherwise submit the form.
      const $ = cheerio.load(page.body)
      const link = $('a.alert-link[href*="blockchain"]').attr('href')
      const landing =
        link !== undefined
          ? await session.get(resolveHref(link, page.url).toString(), options)
          : await submitForm(session, invoiceForm(page, gateway), undefined, options)
      const x = extractBlockchainModulePage(landing.body, network)
      const invId = x.invId ?? new URL(landing.url).searchParams.get('invoice') ?? landing.url
      return {
        quote: quote(x, landing.url, invId),
        afterPay: async (opts = {}) => {
          if (x.secret === null) return
          // The module credits the invoice faster when told about the payment; the chain is the proof.
          await session.postForm(
            new URL('blockchain_openTicket.php', landing.url).toString(),
            [
              ['invId', invId],
              ['am', formatBtc(x.amountSats, { trim: true })],
              ['secret', x.secret],
            ],
            opts,
          )
        },
      }
    }
  }
}
