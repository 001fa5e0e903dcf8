/**
 * Fuzz surfaces of the pages cloudomate scrapes: WHMCS listings and client-area pages, and payment
 * gateway pages. Pages are small recorded or documented fragments (cheerio costs ~0.1 ms per KB), mutated
 * at byte level and by replacing attribute values with hostile ones. Wherever the payment address is
 * changed, the extractor must refuse it: a changed character breaks the address checksum.
 */
import { readFileSync } from 'node:fs'
import { createSeededRng, createVirtualClock } from '@dolly/base'
import { networkParams } from '@dolly/wallet'
import fc from 'fast-check'
import {
  mutateBytes,
  throwing,
  type FuzzCase,
  type Surface,
} from '../../../../base/test/support/fuzz-harness.ts'
import {
  extractBitpayInvoiceData,
  extractBlockchainModulePage,
  extractCoinbasePage,
  extractCoinifyPage,
  extractCoinpaymentsPage,
  extractSpectrocoinPage,
} from '../../../src/gateways/extract.ts'
import { quoteFromInvoicePage } from '../../../src/gateways/flows.ts'
import { parseForm } from '../../../src/http/form.ts'
import { createHttpSession } from '../../../src/http/session.ts'
import { WORLD_SHOPS } from '../../../src/providers/shops.ts'
import {
  parseEmailList,
  parseProductIp,
  parseProductRows,
  parseServerMail,
  parseServices,
  parseVserverId,
} from '../../../src/whmcs/clientarea-pages.ts'
import { parseListing } from '../../../src/whmcs/listing.ts'

export const fixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/${name}`, import.meta.url), 'utf8')

/**
 * A recorded page without its indentation (cheerio's cost grows with the bytes; the structure the
 * parsers read is unchanged), cut to its first `maxBytes` at a tag boundary.
 */
function compact(html: string, maxBytes = 4096): string {
  const tight = html.replace(/>\s+</g, '><').replace(/\s{2,}/g, ' ')
  if (tight.length <= maxBytes) return tight
  const cut = tight.lastIndexOf('</tr>', maxBytes)
  return cut === -1 ? tight.slice(0, maxBytes) : tight.slice(0, cut + 5)
}

const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** Values a hostile page may put in an attribute. */
const HOSTILE = [
  '',
  'http://[',
  'http://a b/',
  '//%zz',
  'javascript:alert(1)',
  '\u0000',
  'product',
  'product99999999999999999999',
  'pid=',
  '"><b>',
  '%',
  'x'.repeat(5000),
  'bitcoin:',
  'bitcoin:?amount=1',
]

/** Mutants of an HTML page: bytes, and attribute values replaced by hostile or random strings. */
export function mutateHtml(html: string): fc.Arbitrary<{ html: string; label: string }> {
  const attrs = [...html.matchAll(/="([^"]*)"/g)].map((m) => ({
    start: (m.index ?? 0) + 2,
    end: (m.index ?? 0) + 2 + (m[1] ?? '').length,
  }))
  const bytes = mutateBytes(encoder.encode(html)).map((m) => ({
    html: decoder.decode(m.value),
    label: m.label,
  }))
  if (attrs.length === 0) return bytes
  return fc.oneof(
    bytes,
    fc
      .tuple(
        fc.constantFrom(...attrs),
        fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ unit: 'grapheme', maxLength: 30 })),
      )
      .map(([a, v]) => ({
        html: html.slice(0, a.start) + v.replaceAll('"', '&quot;') + html.slice(a.end),
        label: 'html:attribute',
      })),
    // A hostile prefix keeps the original value, so selectors like [href*="blockchain"] still match.
    fc
      .tuple(fc.constantFrom(...attrs), fc.constantFrom('http://[', 'http://a b/', '//%zz/', 'javascript:'))
      .map(([a, p]) => ({
        html: html.slice(0, a.start) + p + html.slice(a.start),
        label: 'html:attribute-prefix',
      })),
    fc.nat({ max: html.length }).map((n) => ({ html: html.slice(0, n), label: 'html:truncate' })),
  )
}

const STANDARD = compact(`<div id="order-standard_cart"><div class="products" id="products">
<div id="product1" class="product clearfix"><header><span id="product1-name">KVM Basic</span></header>
<div class="product-desc"><ul><li>1 CPU Core</li><li>512 MB RAM</li><li>20 GB SSD Storage</li><li>Unmetered Bandwidth</li><li>1 Gbps Port</li><li>KVM Virtualization</li></ul></div>
<footer><div class="product-pricing" id="product1-price"><span class="price">$4.99 USD</span><br />Monthly</div><a href="cart.php?a=add&amp;pid=1" class="btn btn-success btn-sm">Order Now</a></footer></div>
<div id="product7" class="product clearfix"><header><span>Big</span></header>
<div class="product-desc"><ul><li>4 vCPU</li><li>8 GB RAM</li><li>1 TB HDD Storage</li><li>10 TB Bandwidth</li></ul></div>
<footer><div class="product-pricing"><span class="price">€19,00 EUR</span></div><span class="btn disabled">Out of Stock</span></footer></div>
</div></div>`)

const TABLE = `<table class="table table-plans" id="plans"><thead><tr><th>Plan</th><th>vCPU</th><th>RAM</th><th>Disk</th><th>Traffic</th><th>Port</th><th>Price</th><th></th></tr></thead>
<tbody><tr class="plan-row" data-pid="11"><td>OVZ-512</td><td>1</td><td>0.5 GB</td><td>10 GB</td><td>0.5 TB</td><td>100 Mbps</td><td class="plan-price">$3.00/mo</td><td><a href="cart.php?a=add&amp;pid=11&amp;billingcycle=monthly">Order</a></td></tr></tbody></table>`

const shopOf = (layout: 'standard-cart' | 'plan-table') => {
  const shop = WORLD_SHOPS.find((s) => s.layout === layout)
  if (shop === undefined) throw new Error(`no world shop with layout ${layout}`)
  return shop
}

/** `parseListing` on both layouts; a page without any plan must be refused (CLOUDOMATE_SHOP_CHANGED). */
export function listingSurface(): Surface<{ html: string; layout: 'standard-cart' | 'plan-table' }> {
  const pages = [
    { html: STANDARD, layout: 'standard-cart' as const, plans: 2 },
    { html: TABLE, layout: 'plan-table' as const, plans: 1 },
  ]
  type In = { html: string; layout: 'standard-cart' | 'plan-table' }
  const index = fc.nat({ max: pages.length - 1 })
  const page = (i: number) => pages[i] ?? pages[0]!
  return {
    name: 'WHMCS listing page',
    cases: fc.oneof(
      {
        weight: 1,
        arbitrary: index.map((i): FuzzCase<In> => ({ input: page(i), expect: 'valid', label: 'valid' })),
      },
      {
        weight: 6,
        arbitrary: index.chain((i) =>
          mutateHtml(page(i).html).map((m): FuzzCase<In> => ({
            input: { html: m.html, layout: page(i).layout },
            expect: 'any',
            label: m.label,
          })),
        ),
      },
      {
        weight: 1,
        arbitrary: fc.tuple(index, fc.string({ maxLength: 200 })).map(([i, text]): FuzzCase<In> => ({
          // No product box and no plan row: nothing to buy, which must be said with a code.
          input: { html: `<div class="products">${text.replace(/[<>]/g, '')}</div>`, layout: page(i).layout },
          expect: 'invalid',
          label: 'no-plans',
        })),
      },
    ),
    parse: throwing((p: In) => parseListing(shopOf(p.layout), p.html, 'https://shop.example/cart.php')),
    roundTrip: (p, value) => {
      const want = pages.find((x) => x.html === p.html)?.plans
      return (value as unknown[]).length === want
        ? undefined
        : `${(value as unknown[]).length} plans, want ${String(want)}`
    },
  }
}

type Page = 'services' | 'service' | 'emails' | 'email'

/**
 * The client-area parsers on the recorded pages. They return what they find (null or [] when absent),
 * so a mutant is `any`: what must not happen is a throw or a hang.
 */
export function clientAreaSurface(): Surface<{ page: Page; html: string }> {
  const pages: [Page, string][] = [
    ['services', compact(fixture('clientarea_services.html'))],
    ['service', compact(fixture('clientarea_service.html'))],
    // Two rows of the e-mail list: each row is parsed alike.
    ['emails', compact(fixture('clientarea_emails.html'), 900)],
    ['email', compact(fixture('crowncloud_email.html'))],
  ]
  type In = { page: Page; html: string }
  const index = fc.nat({ max: pages.length - 1 })
  const at = (i: number): [Page, string] => pages[i] ?? pages[0]!
  return {
    name: 'WHMCS client-area pages',
    cases: fc.oneof(
      {
        weight: 1,
        arbitrary: index.map((i): FuzzCase<In> => ({
          input: { page: at(i)[0], html: at(i)[1] },
          expect: 'valid',
          label: 'valid',
        })),
      },
      {
        weight: 8,
        arbitrary: index.chain((i) =>
          mutateHtml(at(i)[1]).map((m): FuzzCase<In> => ({
            input: { page: at(i)[0], html: m.html },
            expect: 'any',
            label: `${at(i)[0]}:${m.label}`,
          })),
        ),
      },
    ),
    parse: throwing((p: In) => {
      switch (p.page) {
        case 'services':
          return parseServices(p.html, 'https://shop.example/clientarea.php?action=services')
        case 'service':
          return [parseProductIp(p.html), parseProductRows(p.html), parseVserverId(p.html)]
        case 'emails':
          return parseEmailList(p.html)
        case 'email':
          return parseServerMail(p.html)
      }
    }),
  }
}

const ADDR = '1B7dwaVZrEfwKXoLf1VNq7nXZvnKk7xzHZ'
const mainnet = networkParams('bitcoin')

type Gateway = 'coinbase' | 'coinify' | 'coinpayments' | 'spectrocoin' | 'blockchain' | 'bitpay'

const GATEWAY_PAGES: [Gateway, string, string][] = [
  ['coinbase', compact(fixture('coinbase.html')), ADDR],
  ['coinify', `<a href="bitcoin:${ADDR}">x</a><a href="bitcoin:${ADDR}?amount=0.002&amp;label=a">`, ADDR],
  [
    'coinpayments',
    `<div class="pay-block"><a href="bitcoin:${ADDR}?amount=0.0005">pay</a><span class="timeout" data-expires="1700000000000"></span></div>`,
    ADDR,
  ],
  ['spectrocoin', `<div class="payAmount">0.0003 BTC</div><div class="address"> ${ADDR} </div>`, ADDR],
  [
    'blockchain',
    `<script>var invId = "7"; var secret = "abc";</script><p>Please send <b>0.000045 BTC</b> to <b>${ADDR}</b></p>`,
    ADDR,
  ],
  ['bitpay', fixture('bitpay_invoice_data.json'), '12cWmVndhmD56dzYcRuYka3Vpgjb3qdRoL'],
]

function extract(gateway: Gateway, text: string): { address: string } {
  switch (gateway) {
    case 'coinbase':
      return extractCoinbasePage(text, mainnet)
    case 'coinify':
      return extractCoinifyPage(text, mainnet)
    case 'coinpayments':
      return extractCoinpaymentsPage(text, mainnet)
    case 'spectrocoin':
      return extractSpectrocoinPage(text, mainnet)
    case 'blockchain':
      return extractBlockchainModulePage(text, mainnet)
    case 'bitpay': {
      let json: unknown
      try {
        json = JSON.parse(text)
      } catch {
        // The driver's JSON reply path (callJson) refuses non-JSON before the extractor sees it.
        return extractBitpayInvoiceData(undefined, mainnet)
      }
      return extractBitpayInvoiceData(json, mainnet)
    }
  }
}

/**
 * The gateway extractors. A mutant that changes one character of the payment address everywhere it
 * occurs must be refused (base58check and bech32 checksums); other mutants are `any`.
 */
export function gatewaySurface(): Surface<{ gateway: Gateway; text: string }> {
  type In = { gateway: Gateway; text: string }
  const index = fc.nat({ max: GATEWAY_PAGES.length - 1 })
  const at = (i: number): [Gateway, string, string] => GATEWAY_PAGES[i] ?? GATEWAY_PAGES[0]!
  const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
  return {
    name: 'payment gateway pages',
    cases: fc.oneof(
      {
        weight: 1,
        arbitrary: index.map((i): FuzzCase<In> => ({
          input: { gateway: at(i)[0], text: at(i)[1] },
          expect: 'valid',
          label: 'valid',
        })),
      },
      {
        weight: 6,
        arbitrary: index.chain((i) =>
          mutateHtml(at(i)[1]).map((m): FuzzCase<In> => ({
            input: { gateway: at(i)[0], text: m.html },
            expect: 'any',
            label: `${at(i)[0]}:${m.label}`,
          })),
        ),
      },
      {
        weight: 3,
        arbitrary: fc.tuple(index, fc.nat(), fc.constantFrom(...B58)).map(([i, pos, ch]): FuzzCase<In> => {
          const [gateway, text, addr] = at(i)
          const p = pos % addr.length
          const changed = addr.slice(0, p) + ch + addr.slice(p + 1)
          return {
            input: { gateway, text: text.replaceAll(addr, changed) },
            expect: changed === addr ? 'valid' : 'invalid',
            label: `${gateway}:address-char`,
          }
        }),
      },
    ),
    parse: throwing((p: In) => extract(p.gateway, p.text)),
    roundTrip: (p, value) => {
      const want = GATEWAY_PAGES.find(([g]) => g === p.gateway)?.[2]
      return (value as { address: string }).address === want ? undefined : 'another address'
    },
  }
}

const FORM_PAGE = `<div id="submitfrm"><form method="post" action="https://gateway.example/pay?id=Abc123"><input type="hidden" name="id" value="Abc123"><input type="text" name="email" value="a@b.c"><select name="coin"><option value="BTC" selected>BTC</option><option value="LTC">LTC</option></select><textarea name="note">hi</textarea><input type="checkbox" name="tos" value="1" checked><button type="submit" name="go" value="1">Pay</button></form></div>`

/** `parseForm`, which every shop and gateway flow reads its next request from; a page without a form is CLOUDOMATE_SHOP_CHANGED. */
export function formSurface(): Surface<string> {
  return {
    name: 'HTML forms',
    cases: fc.oneof(
      {
        weight: 1,
        arbitrary: fc.constant<FuzzCase<string>>({ input: FORM_PAGE, expect: 'valid', label: 'valid' }),
      },
      {
        weight: 8,
        arbitrary: mutateHtml(FORM_PAGE).map((m): FuzzCase<string> => ({
          input: m.html,
          expect: 'any',
          label: m.label,
        })),
      },
      {
        weight: 1,
        arbitrary: fc.string({ maxLength: 100 }).map((t): FuzzCase<string> => ({
          input: `<div>${t.replace(/[<>]/g, '')}</div>`,
          expect: 'invalid',
          label: 'no-form',
        })),
      },
    ),
    parse: throwing((html: string) =>
      parseForm(html, 'https://shop.example/viewinvoice.php?id=7', { index: 0 }),
    ),
  }
}

const MODULE_PAGE = `<script>var invId = "7"; var secret = "abc";</script><p>Please send <b>0.000045 BTC</b> to <b>${ADDR}</b></p>`
const INVOICE_PAGE = `<div class="alert alert-info"><a class="alert-link" href="modules/gateways/blockchain.php?invoice=7">Pay now</a></div><div id="submitfrm"><form method="post" action="modules/gateways/blockchain.php"><input type="hidden" name="invoice" value="7"></form></div>`

/**
 * `quoteFromInvoicePage` for the blockchain module: the invoice page (fuzzed) leads to the module
 * page (fixed) through its alert link or its form; what it quotes must be that page's address.
 */
export function invoiceFlowSurface(): Surface<string> {
  return {
    name: 'gateway invoice flow',
    cases: fc.oneof(
      {
        weight: 1,
        arbitrary: fc.constant<FuzzCase<string>>({ input: INVOICE_PAGE, expect: 'valid', label: 'valid' }),
      },
      {
        weight: 8,
        arbitrary: mutateHtml(INVOICE_PAGE).map((m): FuzzCase<string> => ({
          input: m.html,
          expect: 'any',
          label: m.label,
        })),
      },
    ),
    parse: async (html) => {
      const clock = createVirtualClock(1_700_000_000_000)
      const rng = createSeededRng('fuzz-flow')
      const send = async (): Promise<Response> =>
        new Response(MODULE_PAGE, { headers: { 'content-type': 'text/html' } })
      const session = createHttpSession({ send, clock, rng }, { minIntervalMs: 0 })
      const page = {
        url: 'https://shop.example/viewinvoice.php?id=7',
        status: 200,
        body: html,
        headers: new Headers(),
      }
      const q = await quoteFromInvoicePage('blockchain', session, page, mainnet)
      return { ok: true, value: q.quote }
    },
    roundTrip: (_html, value) =>
      (value as { address: string }).address === ADDR ? undefined : 'another address',
  }
}
