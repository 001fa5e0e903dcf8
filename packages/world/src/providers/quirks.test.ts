import { afterEach, describe, expect, it } from 'vitest'
import { BANNED_EMAIL_MESSAGE, FRAUD_MESSAGE } from './checkout.ts'
import { NO_QUIRKS, standardShops } from './catalog.ts'
import type { RunningProvider } from './provider.ts'
import { createWebClient, findForm, startInProcessProvider, type WebClient } from './test-kit.ts'
import type { Quirks } from './types.ts'

const HOUR = 3_600_000
const DAY = 24 * HOUR
const started: RunningProvider[] = []
afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.stop()))
})

async function setup(quirks: Partial<Quirks>, name = 'bluecloud') {
  const kit = await startInProcessProvider({ name, quirks: { ...NO_QUIRKS, ...quirks } })
  started.push(kit.provider)
  return kit
}

const customer = (email: string) => ({
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

async function order(web: WebClient, url: string, email: string, pid = 1, conf: Record<string, string> = {}) {
  const page = await web.get(`${url}/cart.php?a=add&pid=${pid}`)
  const form = findForm(page.body, 'frmConfigureProduct')!
  const ajax = await web.post(`${url}/cart.php`, {
    ...form.fields,
    a: 'confproduct',
    ajax: '1',
    hostname: 'host.example.nl',
    rootpw: 'RootPassw0rd',
    ...conf,
  })
  if (ajax.body !== '') return { ajax: ajax.body, result: undefined }
  const checkout = await web.get(`${url}/cart.php?a=checkout`)
  const co = findForm(checkout.body, 'frmCheckout')!
  return {
    ajax: '',
    result: await web.post(`${url}/cart.php?a=checkout`, { ...co.fields, ...customer(email) }),
  }
}

async function payAndActivate(kit: Awaited<ReturnType<typeof setup>>) {
  for (const address of kit.chain.addresses()) kit.chain.pay(address, 1_000_000n)
  kit.chain.mine(1)
  await kit.provider.pass()
}

describe('shop quirks', () => {
  it('refuses a banned e-mail domain with the real wording', async () => {
    const { provider, web } = await setup({ bannedEmailDomains: ['mailinator.com'] })
    const { result } = await order(web, provider.url, 'bot@Mailinator.com')
    expect(result!.url).toContain('a=checkout')
    expect(result!.body).toContain('checkout-error-feedback')
    expect(result!.body).toContain(BANNED_EMAIL_MESSAGE.replace("'", '&#39;'))
    const ok = await order(web, provider.url, 'bot@example.org')
    expect(ok.result!.url).toContain('a=complete')
  })

  it('blocks registrations from one IP past the limit within the window, then lets them through again', async () => {
    const kit = await setup({ fraudBlock: { maxRegistrations: 1, windowMs: DAY } }, 'twosync')
    const first = await order(createWebClient(kit.router.send), kit.provider.url, 'a@example.org', 5)
    expect(first.result!.url).toContain('a=complete')
    const second = await order(createWebClient(kit.router.send), kit.provider.url, 'b@example.org', 5)
    expect(second.result!.url).toContain('a=checkout')
    // lagom-like template: the classic errorbox.
    expect(second.result!.body).toContain('<div class="errorbox">')
    expect(second.result!.body).toContain('fraudulent')
    expect(FRAUD_MESSAGE).toContain('fraudulent')
    kit.router.peer.ip = '10.9.9.9'
    const otherIp = await order(createWebClient(kit.router.send), kit.provider.url, 'c@example.org', 5)
    expect(otherIp.result!.url).toContain('a=complete')
    kit.router.peer.ip = '10.1.2.3'
    await kit.clock.advance(DAY)
    const nextDay = await order(createWebClient(kit.router.send), kit.provider.url, 'd@example.org', 5)
    expect(nextDay.result!.url).toContain('a=complete')
  })

  it('holds a paid order in manual review for hours of world time', async () => {
    const kit = await setup({ manualReviewMs: 4 * HOUR })
    const { result } = await order(kit.web, kit.provider.url, 'a@example.org')
    expect(result!.body).toContain('reviewed by our staff')
    await payAndActivate(kit)
    await kit.clock.advance(3 * HOUR)
    await kit.provider.pass()
    expect(kit.provisioner.live()).toHaveLength(0)
    expect((await kit.web.get(`${kit.provider.url}/clientarea.php?action=services`)).body).toContain(
      'status-pending',
    )
    await kit.clock.advance(HOUR + 10 * 60_000)
    await kit.provider.pass()
    await Promise.resolve()
    expect(kit.provisioner.live()).toHaveLength(1)
  })

  it('shows a JavaScript/cookie challenge until the client sets the computed cookie', async () => {
    const { provider, web } = await setup({ jsChallenge: true })
    const first = await web.get(`${provider.url}/cart.php`)
    expect(first.body).toContain('JavaScript Disabled')
    expect(first.body).not.toContain('a=add')
    const again = await web.get(`${provider.url}/cart.php?a=add&pid=1`)
    expect(again.body).toContain('JavaScript Disabled')
    web.setCookie('PRID', 'wrong')
    expect((await web.get(`${provider.url}/cart.php`)).body).toContain('JavaScript Disabled')
    const codes = /var c = \[([\d,]+)\]/.exec(first.body)![1]!.split(',').map(Number)
    web.setCookie('PRID', String.fromCharCode(...codes))
    expect((await web.get(`${provider.url}/cart.php`)).body).toContain('a=add&amp;pid=1')
  })

  it('sends the buyer away from a=add for an out-of-stock product and refuses an out-of-stock option', async () => {
    const kit = await setup({}, 'pulsevps')
    const shop = standardShops({ quirks: true }).find((s) => s.name === 'pulsevps')!
    const quirky = await startInProcessProvider({ name: 'pulsevps', shop })
    started.push(quirky.provider)
    const away = await quirky.web.get(`${quirky.provider.url}/cart.php?a=add&pid=22`)
    expect(away.url).not.toContain('a=add')
    expect(away.url).toContain('cart.php?gid=1')
    const listing = await quirky.web.get(`${quirky.provider.url}/cart.php`)
    expect(listing.body).toContain('Out of Stock')
    const { ajax } = await order(quirky.web, quirky.provider.url, 'a@example.org', 21, {
      'configoption[32]': '104',
    })
    expect(ajax).toContain('<li>Location: Singapore is currently out of stock</li>')
    const ok = await order(kit.web, kit.provider.url, 'a@example.org', 22)
    expect(ok.result!.url).toContain('a=complete')
  })

  it('raises prices as world time passes', async () => {
    const kit = await setup({ priceDrift: { stepPercent: 5, everyMs: 7 * DAY } })
    expect((await kit.web.get(`${kit.provider.url}/cart.php`)).body).toContain('$4.99 USD')
    await kit.clock.advance(14 * DAY)
    expect((await kit.web.get(`${kit.provider.url}/cart.php`)).body).toContain('$5.49 USD')
    const { result } = await order(kit.web, kit.provider.url, 'a@example.org')
    const id = findForm(result!.body)!.fields['id']
    const data = JSON.parse((await kit.web.get(`${kit.provider.gatewayUrl}/invoiceData/${id}`)).body).data
    // $5.49 (4.99 + 10 %, rounded up to the cent) at 1000 sats/USD plus BitPay's 1 %.
    expect(data.price).toBe(5.49)
    expect(data.paymentTotals.BTC).toBe(5545)
  })

  it('suspends a host within a minute of a DMCA complaint at a strict shop only', async () => {
    for (const dmcaStrict of [true, false]) {
      const kit = await setup({ dmcaStrict })
      await order(kit.web, kit.provider.url, 'a@example.org')
      await payAndActivate(kit)
      await kit.clock.advance(10 * 60_000)
      await kit.provider.pass()
      await Promise.resolve()
      const host = kit.provisioner.live()[0]!
      expect(kit.provider.fileDmca(host.ip)).toBe(true)
      expect(kit.provider.fileDmca('10.0.0.254')).toBe(false)
      await kit.clock.advance(61_000)
      await kit.provider.pass()
      await Promise.resolve()
      const services = (await kit.web.get(`${kit.provider.url}/clientarea.php?action=services`)).body
      if (dmcaStrict) {
        expect(kit.provisioner.live()).toHaveLength(0)
        expect(services).toContain('status-suspended')
      } else {
        expect(kit.provisioner.live()).toHaveLength(1)
        expect(services).toContain('status-active')
      }
    }
  })

  it('ignores the order-time root password and mails a random one', async () => {
    const kit = await setup({ randomRootPassword: true })
    await order(kit.web, kit.provider.url, 'a@example.org')
    await payAndActivate(kit)
    await kit.clock.advance(10 * 60_000)
    await kit.provider.pass()
    await Promise.resolve()
    const host = kit.provisioner.live()[0]!
    expect(host.rootPassword).not.toBe('RootPassw0rd')
    expect(host.rootPassword).toMatch(/^[A-Za-z0-9]{16}$/)
    const list = (await kit.web.get(`${kit.provider.url}/clientarea.php?action=emails`)).body
    const ids = [...list.matchAll(/viewemail\.php\?id=(\d+)', 'emailWin', '650', '450'\)">/g)].map(
      (m) => m[1]!,
    )
    const bodies = await Promise.all(
      ids.map(async (id) => (await kit.web.get(`${kit.provider.url}/viewemail.php?id=${id}`)).body),
    )
    expect(bodies.some((b) => b.includes(`Root Password: ${host.rootPassword}`))).toBe(true)
  })
})
