import { afterEach, describe, expect, it } from 'vitest'
import { parseBtc } from '@dolly/base'
import type { RunningProvider } from '../provider.ts'
import { createWebClient, findForm, startInProcessProvider, type WebClient } from '../test-kit.ts'
import { TOO_MANY_OPEN_MESSAGE } from './coinpayments.ts'

const started: RunningProvider[] = []
afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.stop()))
})

async function setup(name: string) {
  const kit = await startInProcessProvider({ name })
  started.push(kit.provider)
  return kit
}

/** Orders the shop's first plan as a new client and returns the order-complete page. */
async function orderComplete(web: WebClient, url: string, email: string) {
  const listing = await web.get(`${url}/cart.php`)
  const pid = /cart\.php\?a=add&amp;pid=(\d+)/.exec(listing.body)![1]!
  const conf = await web.get(`${url}/cart.php?a=add&pid=${pid}`)
  const form = findForm(conf.body, 'frmConfigureProduct')!
  await web.post(`${url}/cart.php`, {
    ...form.fields,
    a: 'confproduct',
    ajax: '1',
    hostname: 'h.example.nl',
    rootpw: 'RootPassw0rd',
  })
  const co = findForm((await web.get(`${url}/cart.php?a=checkout`)).body, 'frmCheckout')!
  return web.post(`${url}/cart.php?a=checkout`, {
    ...co.fields,
    firstname: 'Pleb',
    lastname: 'Net',
    email,
    phonenumber: '+31 612345678',
    address1: 'Mekelweg 4',
    city: 'Delft',
    state: 'ZH',
    postcode: '2628CD',
    country: 'NL',
    password: 'hunter2hunter2',
    password2: 'hunter2hunter2',
    accepttos: 'on',
  })
}

async function fetchBytes(send: (r: Request) => Promise<Response>, url: string, accept: string) {
  const response = await send(new Request(url, { headers: { accept } }))
  return { type: response.headers.get('content-type'), bytes: new Uint8Array(await response.arrayBuffer()) }
}

// The top-level keys of `data` in the recorded BitPay invoice (shared fixtures, bitpay_invoice_data.json).
const RECORDED_BITPAY_KEYS = [
  'url',
  'posData',
  'status',
  'btcPrice',
  'btcDue',
  'price',
  'currency',
  'orderId',
  'invoiceTime',
  'expirationTime',
  'currentTime',
  'id',
  'lowFeeDetected',
  'amountPaid',
  'btcPaid',
  'rate',
  'exceptionStatus',
  'redirectURL',
  'refundAddressRequestPending',
  'buyerProvidedInfo',
  'addresses',
  'paymentSubtotals',
  'paymentTotals',
  'bitcoinAddress',
  'minerFees',
  'buyerPaidBtcMinerFee',
  'supportedTransactionCurrencies',
  'exRates',
  'paymentUrls',
  'exchangeRates',
  'paymentCodes',
]

describe('BitPay-like gateway', () => {
  it('serves invoice data with every key of the recorded BitPay invoice and consistent payment URLs', async () => {
    const { provider, web, router } = await setup('bluecloud')
    const complete = await orderComplete(web, provider.url, 'a@example.org')
    const id = findForm(complete.body)!.fields['id']!
    const doc = JSON.parse((await web.get(`${provider.gatewayUrl}/invoiceData/${id}`)).body)
    expect(Object.keys(doc.data)).toEqual(expect.arrayContaining(RECORDED_BITPAY_KEYS))
    const d = doc.data
    expect(d.paymentUrls.BIP21).toBe(`bitcoin:${d.bitcoinAddress}?amount=${d.btcDue}`)
    expect(d.paymentUrls.BIP72).toBe(
      `bitcoin:${d.bitcoinAddress}?amount=${d.btcDue}&r=${provider.gatewayUrl}/i/${id}`,
    )
    expect(d.paymentUrls.BIP73).toBe(`${provider.gatewayUrl}/i/${id}`)
    expect(d.paymentSubtotals.BTC + d.minerFees.BTC.totalFee).toBe(d.paymentTotals.BTC)
    expect(d.expirationTime - d.invoiceTime).toBe(15 * 60_000)
    const noscript = await web.get(
      `${provider.gatewayUrl}/invoice-noscript?id=${id}&buyerSelectedTransactionCurrency=BTC`,
    )
    expect(noscript.body).toContain(`bitcoin:${d.bitcoinAddress}?amount=${d.btcDue}`)
    const notJson = await web.get(`${provider.gatewayUrl}/i/${id}`)
    expect(notJson.status).toBe(406)
    const bip70 = await fetchBytes(
      router.send,
      `${provider.gatewayUrl}/i/${id}`,
      'application/bitcoin-paymentrequest',
    )
    expect(bip70.type).toBe('application/bitcoin-paymentrequest')
    // The output's amount field (field 1, varint): 5040 sats = 0xb0 0x27.
    expect(Buffer.from(bip70.bytes).includes(Buffer.from([0x08, 0xb0, 0x27]))).toBe(true)
    expect((await web.get(`${provider.gatewayUrl}/invoiceData/nope`)).status).toBe(404)
  })
})

describe('CoinPayments-like gateway', () => {
  it('binds the checkout to the gateway session and needs the JS-set screen_res', async () => {
    const { provider, web, router } = await setup('crownhost')
    const complete = await orderComplete(web, provider.url, 'a@example.org')
    const form = findForm(complete.body)!
    expect(form.action).toBe(`${provider.gatewayUrl}/index.php`)
    expect(form.fields['cmd']).toBe('_pay')
    const step1 = await web.post(form.action, form.fields)
    const select = findForm(step1.body)!
    expect(select.fields['checkout']).toBe('1')
    expect(select.fields['screen_res']).toBe('')
    const noJs = await web.post(`${provider.gatewayUrl}/index.php`, { ...select.fields, selcoin: 'BTC' })
    expect(noJs.body).toContain('enable JavaScript')
    // Another browser without the session cookie sees no payment details.
    const stranger = createWebClient(router.send)
    const foreign = await stranger.get(`${provider.gatewayUrl}/index.php?cmd=checkout`)
    expect(foreign.body).toContain('session has expired')
    const step2 = await web.post(`${provider.gatewayUrl}/index.php`, {
      ...select.fields,
      selcoin: 'BTC',
      screen_res: '1920x1080',
    })
    expect(step2.url).toBe(`${provider.gatewayUrl}/index.php?cmd=checkout`)
    const link = /<div class="pay-block">[\s\S]*?href="(bitcoin:[^"]+)"/.exec(step2.body)![1]!
    // $3.00 at 1000 sats/USD, no gateway fee.
    expect(link).toMatch(/^bitcoin:rltc1qmem\d+\?amount=0\.00003&amp;label=/)
    expect(step2.body).toContain('Waiting for buyer funds')
  })

  it('refuses a fourth open transaction from one IP with CoinPayments wording', async () => {
    const { provider, router } = await setup('crownhost')
    const results: string[] = []
    for (let i = 0; i < 4; i++) {
      const web = createWebClient(router.send)
      const complete = await orderComplete(web, provider.url, `buyer${i}@example.org`)
      const form = findForm(complete.body)!
      const select = findForm((await web.post(form.action, form.fields)).body)!
      const step2 = await web.post(`${provider.gatewayUrl}/index.php`, {
        ...select.fields,
        selcoin: 'BTC',
        screen_res: '1920x1080',
      })
      results.push(step2.body)
    }
    expect(results.slice(0, 3).every((b) => b.includes('pay-block'))).toBe(true)
    expect(results[3]).toContain(TOO_MANY_OPEN_MESSAGE)
    expect(results[3]).not.toContain('pay-block')
  })
})

describe('Coinbase-like checkout', () => {
  it('shows the recorded page structure with a BIP21 link carrying r=', async () => {
    const { provider, web } = await setup('pulsevps')
    const complete = await orderComplete(web, provider.url, 'a@example.org')
    const form = findForm(complete.body)!
    expect(form.action).toMatch(new RegExp(`^${provider.gatewayUrl}/checkouts/[A-Za-z0-9]+$`))
    const page = await web.get(form.action)
    const m =
      /<div class="details">\s*<p>\s*<a href="bitcoin:([a-z0-9]+)\?amount=([0-9.]+)&amp;r=([^"]+)"\s+id="order_uri"/.exec(
        page.body,
      )
    expect(m).not.toBeNull()
    // $5.99 plus Coinbase's 1 %: 6050 sats (rounded up).
    expect(parseBtc(m![2]!)).toBe(6050n)
    expect(page.body).toContain(`Send exactly <strong class="amount">${m![2]} BTC</strong>`)
    const pr = await web.get(m![3]!, { accept: 'application/payment-request' })
    expect(JSON.parse(pr.body).outputs[0]).toEqual({ amount: 6050, address: m![1] })
  })
})

describe('blockchain module page', () => {
  it('links from the order-complete page and shows amount and address in <b> tags with a ticket secret', async () => {
    const { provider, web } = await setup('twosync')
    const complete = await orderComplete(web, provider.url, 'a@example.org')
    const link = /<a class="alert-link" href="([^"]+)"/.exec(complete.body)![1]!.replaceAll('&amp;', '&')
    expect(link).toMatch(/\/modules\/gateways\/blockchain\.php\?invoice=\d+$/)
    const page = await web.get(link)
    const bolds = [...page.body.matchAll(/<b>([^<]+)<\/b>/g)].map((x) => x[1]!)
    expect(bolds[0]).toBe('0.000045 BTC')
    expect(bolds[1]).toMatch(/^rltc1/)
    const secret = /var secret = "([0-9a-f]+)"/.exec(page.body)![1]!
    const invId = /var invId = "(\d+)"/.exec(page.body)![1]!
    const bad = await web.post(`${provider.gatewayUrl}/modules/gateways/blockchain_openTicket.php`, {
      invId,
      am: '0.000045',
      secret: 'x',
    })
    expect(bad.status).toBe(403)
    const ok = await web.post(`${provider.gatewayUrl}/modules/gateways/blockchain_openTicket.php`, {
      invId,
      am: '0.000045',
      secret,
    })
    expect(ok.body).toContain('Ticket opened')
  })
})
