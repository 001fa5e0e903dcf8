/**
 * The generic WHMCS order walk (CLOUDOMATE.md §4 steps 2–6): configure the product (with the fields
 * WHMCS's script adds), open the cart, fill the checkout/registration form, read the shop's error box,
 * and follow the invoice to the gateway's payment request. Nothing here pays.
 */
import * as cheerio from 'cheerio'
import type { AbortOptions, Logger } from '@dolly/base'
import type { NetworkParams } from '@dolly/wallet'
import { CloudomateError } from '../errors.ts'
import { quoteFromInvoicePage, submitForm, type GatewayQuote } from '../gateways/flows.ts'
import { parseForm, type Form } from '../http/form.ts'
import type { HttpSession, Page } from '../http/session.ts'
import type { VpsOption } from '../model.ts'
import type { Settings } from '../settings.ts'
import { errorBoxMessages, openShopPage, shopRefused } from './browse.ts'
import { resolveHref } from './href.ts'
import type { WhmcsShopConfig } from './shop-config.ts'

/** What an order produced: the gateway quote and the shop's invoice number. */
export interface WhmcsOrder extends GatewayQuote {
  readonly invoiceNumber: string | null
  /** Text of the order-complete page's notices (manual review hints). */
  readonly notices: readonly string[]
}

/** Options of an order. */
export interface OrderOptions extends AbortOptions {
  /** Place an order although the shop says it reviews orders by hand (§8); default false. */
  readonly acceptManualReview?: boolean
}

const firstForm = (page: Page, selectors: readonly string[]): Form | undefined => {
  const $ = cheerio.load(page.body)
  const selector = selectors.find((s) => $(s).filter('form').length > 0)
  return selector === undefined ? undefined : parseForm(page.body, page.url, { selector })
}

/**
 * Orders `option` and returns the payment request.
 *
 * @throws CloudomateError CLOUDOMATE_OUT_OF_STOCK, CLOUDOMATE_SHOP_CHANGED, CLOUDOMATE_CHALLENGE_REQUIRED,
 *   CLOUDOMATE_EMAIL_REJECTED, CLOUDOMATE_FRAUD_BLOCKED, CLOUDOMATE_CAPTCHA_REQUIRED,
 *   CLOUDOMATE_MANUAL_REVIEW, CLOUDOMATE_SHOP_ERROR, and the gateway errors
 */
export async function placeWhmcsOrder(
  deps: { session: HttpSession; log: Logger },
  shop: WhmcsShopConfig,
  option: VpsOption,
  settings: Settings,
  network: NetworkParams,
  options: OrderOptions = {},
): Promise<WhmcsOrder> {
  const { session, log } = deps
  if (option.purchaseUrl === undefined) {
    throw new CloudomateError(
      'CLOUDOMATE_SHOP_CHANGED',
      `${shop.name}: option ${option.id} has no purchase URL`,
      {
        provider: shop.name,
      },
    )
  }
  const s = (k: keyof Settings): string => settings[k] ?? ''

  // Step 2: configure. Out of stock = the shop sends us away from a=add (UndergroundPrivate).
  const conf = await openShopPage(session, shop, option.purchaseUrl, options)
  if (!conf.url.includes('a=confproduct')) {
    throw new CloudomateError(
      'CLOUDOMATE_OUT_OF_STOCK',
      `${shop.name}: ${option.name} is out of stock (the cart sent us to ${conf.url})`,
      {
        provider: shop.name,
        optionId: option.id,
      },
    )
  }
  const configure = firstForm(conf, ['form#frmConfigureProduct', 'form#orderfrm'])
  if (configure === undefined)
    throw new CloudomateError('CLOUDOMATE_SHOP_CHANGED', `${shop.name}: no configure form at ${conf.url}`, {
      provider: shop.name,
    })
  const serverFields: readonly [string, string][] = [
    ['hostname', s('hostname')],
    ['rootpw', s('root_password')],
    ['ns1prefix', s('ns1') || 'ns1'],
    ['ns2prefix', s('ns2') || 'ns2'],
  ]
  for (const [name, value] of serverFields) {
    if (!configure.trySet(name, value)) log.warn('whmcs.field_missing', { provider: shop.name, field: name })
  }
  for (const [id, value] of Object.entries(shop.configOptions)) configure.set(`configoption[${id}]`, value)
  for (const [id, value] of Object.entries(shop.customFields)) configure.trySet(`customfield[${id}]`, value)
  if (shop.billingcycle !== undefined) configure.trySet('billingcycle', shop.billingcycle)
  // Fields WHMCS's script adds before posting the serialised form.
  configure.add('a', 'confproduct').add('ajax', '1')
  const cartUrl = new URL(
    'cart.php',
    shop.baseUrl.endsWith('/') ? shop.baseUrl : `${shop.baseUrl}/`,
  ).toString()
  const ajax = await session.postForm(cartUrl, configure.serialize(), options)
  if (ajax.body.trim() !== '') {
    const $ = cheerio.load(ajax.body)
    const items = $('li')
      .toArray()
      .map((li) => $(li).text().trim())
    throw shopRefused(shop, 'configuration', items.length > 0 ? items : [$.root().text().trim()])
  }

  // Step 3: the cart and its checkout link.
  const cart = await openShopPage(session, shop, new URL('cart.php?a=view', cartUrl).toString(), options)
  const $cart = cheerio.load(cart.body)
  const checkoutHref = ['div.summary-container a.btn-checkout', 'a#checkout', 'a[href*="a=checkout"]']
    .map((sel) => $cart(sel).first().attr('href'))
    .find((h) => h !== undefined)
  if (checkoutHref === undefined)
    throw new CloudomateError('CLOUDOMATE_SHOP_CHANGED', `${shop.name}: no checkout link in the cart`, {
      provider: shop.name,
      url: cart.url,
    })

  // Step 4: checkout / registration.
  const checkoutPage = await openShopPage(
    session,
    shop,
    resolveHref(checkoutHref, cart.url).toString(),
    options,
  )
  const checkout = firstForm(checkoutPage, ['form#frmCheckout', 'form#mainfrm', 'form[name=orderfrm]'])
  if (checkout === undefined)
    throw new CloudomateError(
      'CLOUDOMATE_SHOP_CHANGED',
      `${shop.name}: no checkout form at ${checkoutPage.url}`,
      { provider: shop.name },
    )
  if (checkout.has('custtype') && checkout.get('custtype') !== 'existing') checkout.set('custtype', 'new')
  const registration: readonly [string, string][] = [
    ['firstname', s('firstname')],
    ['lastname', s('lastname')],
    ['email', s('email')],
    ['phonenumber', s('phonenumber')],
    ['companyname', s('companyname')],
    ['address1', s('address')],
    ['city', s('city')],
    ['state', s('state')],
    ['postcode', s('zipcode')],
    ['country', s('countrycode').toUpperCase()],
    ['password', s('password')],
    ['password2', s('password')],
  ]
  for (const [name, value] of registration) checkout.trySet(name, value)
  checkout.set('paymentmethod', shop.gateway)
  checkout.check('accepttos')
  for (const [id, value] of Object.entries(shop.customFields)) checkout.trySet(`customfield[${id}]`, value)
  for (const [name, value] of Object.entries(shop.checkoutExtras)) checkout.add(name, value)
  // The order button, not the form's first (promo code) button.
  const submitter = ['#btnCompleteOrder', '.ordernow'].find((sel) => {
    try {
      checkout.serialize(sel)
      return true
    } catch {
      return false
    }
  })
  const complete = await submitForm(session, checkout, submitter, options)
  if (new URL(complete.url).searchParams.get('a') === 'checkout' || complete.url.includes('a=checkout')) {
    const messages = errorBoxMessages(complete.body)
    throw shopRefused(
      shop,
      'checkout',
      messages.length > 0 ? messages : ['the checkout page came back without an error message'],
    )
  }

  // Step 5: the order-complete page.
  const $done = cheerio.load(complete.body)
  const notices = $done('div.alert-warning, div.alert-info')
    .toArray()
    .map((el) => $done(el).text().replace(/\s+/g, ' ').trim())
  if (notices.some((n) => /review/i.test(n)) && options.acceptManualReview !== true) {
    throw new CloudomateError(
      'CLOUDOMATE_MANUAL_REVIEW',
      `${shop.name} reviews orders by hand before activation (nothing was paid): ${notices.join(' | ')}`,
      { provider: shop.name, notices },
    )
  }
  const invoiceHref = $done('a[href*="viewinvoice.php?id="]').first().attr('href')
  const invoiceNumber = invoiceHref === undefined ? null : (/id=(\d+)/.exec(invoiceHref)?.[1] ?? null)
  const gateway = await quoteFromInvoicePage(shop.gateway, session, complete, network, options)
  log.info('whmcs.quoted', {
    provider: shop.name,
    optionId: option.id,
    invoiceNumber,
    gateway: shop.gateway,
    amountSats: gateway.quote.amountSats.toString(),
  })
  return { ...gateway, invoiceNumber, notices }
}
