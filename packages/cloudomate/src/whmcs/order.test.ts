import { createMemoryLogger, createSeededRng, createVirtualClock, errorCode } from '@dolly/base'
import { networkParams } from '@dolly/wallet'
import { describe, expect, it } from 'vitest'
import { createHttpSession } from '../http/session.ts'
import type { VpsOption } from '../model.ts'
import { placeWhmcsOrder } from './order.ts'
import type { WhmcsShopConfig } from './shop-config.ts'

const BASE = 'https://shop.example/'

const shop: WhmcsShopConfig = {
  name: 'example',
  website: BASE,
  baseUrl: BASE,
  listingPath: 'cart.php?gid=1',
  layout: 'standard-cart',
  currency: 'USD',
  gateway: 'blockchain',
  configOptions: {},
  customFields: {},
  checkoutExtras: {},
  virtualization: 'kvm',
  tunTap: true,
  challenge: 'report',
  enabled: true,
}

const option: VpsOption = {
  provider: 'example',
  id: '1',
  name: 'Basic',
  cores: 1,
  memoryGB: 1,
  storageGB: 10,
  bandwidthTBPerMonth: null,
  connectionGbps: null,
  price: { cents: 499n, currency: 'USD', period: 'month' },
  purchaseUrl: `${BASE}cart.php?a=confproduct&i=0`,
  virtualization: 'kvm',
  tunTap: true,
  inStock: true,
}

/** A shop whose cart links its checkout to `checkoutHref`; every other page is the configure step. */
function shopSession(checkoutHref: string) {
  const clock = createVirtualClock(1_700_000_000_000)
  const rng = createSeededRng('order-test')
  const html = (body: string): Response => new Response(body, { headers: { 'content-type': 'text/html' } })
  const send = async (request: Request): Promise<Response> => {
    const url = new URL(request.url)
    if (request.method === 'POST') return html('')
    if (url.searchParams.get('a') === 'view')
      return html(
        `<div class="summary-container"><a class="btn-checkout" href="${checkoutHref}">Checkout</a></div>`,
      )
    return html('<form id="frmConfigureProduct" method="post"><input name="hostname"></form>')
  }
  return createHttpSession({ send, clock, rng }, { minIntervalMs: 0 })
}

describe('placeWhmcsOrder on a hostile cart', () => {
  it('refuses a checkout link that is not a URL (`http://[`) with CLOUDOMATE_SHOP_CHANGED, not a TypeError', async () => {
    let thrown: unknown
    try {
      await placeWhmcsOrder(
        { session: shopSession('http://['), log: createMemoryLogger() },
        shop,
        option,
        {},
        networkParams('bitcoin'),
      )
    } catch (err) {
      thrown = err
    }
    expect(errorCode(thrown)).toBe('CLOUDOMATE_SHOP_CHANGED')
    expect((thrown as { details?: { href?: string } }).details?.href).toBe('http://[')
  })
})
