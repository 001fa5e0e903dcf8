import { createSeededRng, createVirtualClock, errorCode } from '@dolly/base'
import { networkParams } from '@dolly/wallet'
import { describe, expect, it } from 'vitest'
import { createHttpSession } from '../http/session.ts'
import { quoteFromInvoicePage } from './flows.ts'

const ADDR = '1B7dwaVZrEfwKXoLf1VNq7nXZvnKk7xzHZ'
const MODULE_PAGE = `<script>var invId = "7"; var secret = "abc";</script><p>Please send <b>0.000045 BTC</b> to <b>${ADDR}</b></p>`

/** The blockchain module's quote from an invoice page, every request answered with the module page. */
function quote(invoiceHtml: string): Promise<unknown> {
  const send = async (): Promise<Response> =>
    new Response(MODULE_PAGE, { headers: { 'content-type': 'text/html' } })
  const session = createHttpSession(
    { send, clock: createVirtualClock(0), rng: createSeededRng('flows') },
    { minIntervalMs: 0 },
  )
  const page = {
    url: 'https://shop.example/viewinvoice.php?id=7',
    status: 200,
    body: invoiceHtml,
    headers: new Headers(),
  }
  return quoteFromInvoicePage('blockchain', session, page, networkParams('bitcoin'))
}

describe('blockchain module flow', () => {
  it('follows the alert link to the module page and quotes its address and amount', async () => {
    const q = (await quote(
      '<a class="alert-link" href="modules/gateways/blockchain.php?invoice=7">Pay</a>',
    )) as {
      quote: { address: string; amountSats: bigint; invoiceId: string }
    }
    expect(q.quote).toMatchObject({ address: ADDR, amountSats: 4_500n, invoiceId: '7' })
  })

  it('refuses a module link that is not a URL with CLOUDOMATE_GATEWAY_CHANGED (found by the fuzz suite)', async () => {
    const err = await quote(
      '<a class="alert-link" href="http://a b/modules/gateways/blockchain.php">Pay</a>',
    ).catch((e: unknown) => e)
    expect(errorCode(err)).toBe('CLOUDOMATE_GATEWAY_CHANGED')
  })
})
