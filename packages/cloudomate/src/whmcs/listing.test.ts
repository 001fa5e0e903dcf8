import { describe, expect, it } from 'vitest'
import { WORLD_SHOPS } from '../providers/shops.ts'
import { classifyShopMessages, isChallengePage, solveCharCodeChallenge } from './classify.ts'
import { parseListing, readFeature } from './listing.ts'

const shop = (name: string) => WORLD_SHOPS.find((s) => s.name === name)!

// A standard_cart product box as WHMCS 7 renders it (templates/orderforms/standard_cart/products.tpl).
const STANDARD = `<div id="order-standard_cart"><div class="products" id="products">
<div id="product1" class="product clearfix"><header><span id="product1-name">KVM Basic</span></header>
<div class="product-desc"><ul><li>1 CPU Core</li><li>512 MB RAM</li><li>20 GB SSD Storage</li><li>Unmetered Bandwidth</li><li>1 Gbps Port</li><li>KVM Virtualization</li></ul></div>
<footer><div class="product-pricing" id="product1-price"><span class="price">$4.99 USD</span><br />Monthly</div><a href="cart.php?a=add&amp;pid=1" class="btn btn-success btn-sm">Order Now</a></footer></div>
<div id="product7" class="product clearfix"><header><span>Big</span></header>
<div class="product-desc"><ul><li>4 vCPU</li><li>8 GB RAM</li><li>1 TB HDD Storage</li><li>10 TB Bandwidth</li></ul></div>
<footer><div class="product-pricing"><span class="price">€19,00 EUR</span></div><span class="btn disabled">Out of Stock</span></footer></div>
</div></div>`

const TABLE = `<table class="table table-plans" id="plans"><thead><tr><th>Plan</th><th>vCPU</th><th>RAM</th><th>Disk</th><th>Traffic</th><th>Port</th><th>Price</th><th></th></tr></thead>
<tbody><tr class="plan-row" data-pid="11"><td>OVZ-512</td><td>1</td><td>0.5 GB</td><td>10 GB</td><td>0.5 TB</td><td>100 Mbps</td><td class="plan-price">$3.00/mo</td><td><a href="cart.php?a=add&amp;pid=11&amp;billingcycle=monthly">Order</a></td></tr></tbody></table>`

describe('WHMCS listings', () => {
  it('reads standard_cart product boxes with units, stock and the add-to-cart URL', () => {
    const options = parseListing(shop('bluecloud'), STANDARD, 'https://s.example/cart.php')
    expect(options[0]).toMatchObject({
      id: '1',
      name: 'KVM Basic',
      cores: 1,
      memoryGB: 0.5,
      storageGB: 20,
      bandwidthTBPerMonth: null,
      connectionGbps: 1,
      price: { cents: 499n, currency: 'USD', period: 'month' },
      purchaseUrl: 'https://s.example/cart.php?a=add&pid=1',
      virtualization: 'kvm',
      inStock: true,
    })
    expect(options[1]).toMatchObject({
      id: '7',
      cores: 4,
      memoryGB: 8,
      storageGB: 1000,
      bandwidthTBPerMonth: 10,
      inStock: false,
      price: { cents: 1900n, currency: 'EUR' },
    })
  })

  it('reads a plan table by its header names', () => {
    const [o] = parseListing(shop('crownhost'), TABLE, 'https://c.example/cart.php')
    expect(o).toMatchObject({
      id: '11',
      name: 'OVZ-512',
      cores: 1,
      memoryGB: 0.5,
      storageGB: 10,
      bandwidthTBPerMonth: 0.5,
      connectionGbps: 0.1,
      virtualization: 'openvz',
    })
    expect(o?.purchaseUrl).toBe('https://c.example/cart.php?a=add&pid=11&billingcycle=monthly')
  })

  it('reports a listing without plans as a changed shop', () => {
    expect(() => parseListing(shop('bluecloud'), '<html></html>', 'https://s.example/')).toThrow(/no plans/)
  })

  it('reads feature lines in other wordings', () => {
    const s: Parameters<typeof readFeature>[1] = {}
    for (const line of ['2 x vCore', '2048 MB Memory', '50GB NVMe Disk', '2000 GB Transfer', 'OpenVZ'])
      readFeature(line, s)
    expect(s).toEqual({ cores: 2, memoryGB: 2, storageGB: 50, bandwidthTB: 2, virtualization: 'openvz' })
  })
})

describe('shop error classifier (§8)', () => {
  it.each([
    [
      "We don't allow users with the email address provider you entered. Please try another email address.",
      'CLOUDOMATE_EMAIL_REJECTED',
    ],
    [
      'Unfortunately, your order has been flagged as potentially fraudulent by our fraud checks',
      'CLOUDOMATE_FRAUD_BLOCKED',
    ],
    ['The captcha field is required.', 'CLOUDOMATE_CAPTCHA_REQUIRED'],
    ['Location: Singapore is currently out of stock', 'CLOUDOMATE_OUT_OF_STOCK'],
    ['Please verify your email address before placing an order', 'CLOUDOMATE_EMAIL_VERIFICATION_REQUIRED'],
    ['Too many open transactions, try connecting from a different IP', 'CLOUDOMATE_GATEWAY_RATE_LIMITED'],
    ['You did not enter your first name', 'CLOUDOMATE_SHOP_ERROR'],
  ])('%s → %s', (message, code) => {
    expect(classifyShopMessages([message])).toBe(code)
  })

  it('recognises and solves the character-code cookie challenge', () => {
    const page = `<script>var c = [97,66,51]; var v = ''; document.cookie = 'PRID=' + v + '; path=/';</script><noscript><h1>JavaScript Disabled</h1><p>This website is using a security service</p></noscript>`
    expect(isChallengePage(page)).toBe(true)
    expect(solveCharCodeChallenge(page)).toEqual({ name: 'PRID', value: 'aB3' })
    expect(isChallengePage('<h1>Welcome</h1>')).toBe(false)
  })
})
