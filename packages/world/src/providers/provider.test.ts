import { afterEach, describe, expect, it } from 'vitest'
import { parseBtc } from '@dolly/base'
import type { ProviderOptions, RunningProvider } from './provider.ts'
import { findForm, startInProcessProvider, type WebClient } from './test-kit.ts'

const HOUR = 3_600_000
const DAY = 24 * HOUR

const customer = {
  custtype: 'new',
  firstname: 'Pleb',
  lastname: 'Net',
  email: 'pleb@example.org',
  phonenumber: '+31 612345678',
  address1: 'Mekelweg 4',
  city: 'Delft',
  state: 'Zuid-Holland',
  postcode: '2628 CD',
  country: 'NL',
  password: 'hunter2hunter2',
  password2: 'hunter2hunter2',
  accepttos: 'on',
}

async function setup(options: Partial<ProviderOptions> & { name: string }) {
  const kit = await startInProcessProvider(options)
  started.push(kit.provider)
  return kit
}

const started: RunningProvider[] = []
afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.stop()))
})

/** Walks listing → add → configure (ajax) → cart → checkout; returns the order-complete page. */
async function buy(web: WebClient, shopUrl: string, pid: number, extra: Record<string, string> = {}) {
  const listing = await web.get(`${shopUrl}/cart.php`)
  expect(listing.body).toContain(`cart.php?a=add&amp;pid=${pid}`)
  const conf = await web.get(`${shopUrl}/cart.php?a=add&pid=${pid}`)
  expect(conf.url).toContain('a=confproduct&i=0')
  const form = findForm(conf.body, 'frmConfigureProduct')
  expect(form).toBeDefined()
  const ajax = await web.post(`${shopUrl}/cart.php`, {
    ...form!.fields,
    a: 'confproduct',
    ajax: '1',
    hostname: 'child1.example.nl',
    rootpw: 'Sup3rSecretRoot',
    ns1prefix: 'ns1',
    ns2prefix: 'ns2',
  })
  expect(ajax.body).toBe('')
  const cart = await web.get(`${shopUrl}/cart.php?a=view`)
  expect(cart.body).toMatch(/id="checkout"/)
  const checkout = await web.get(`${shopUrl}/cart.php?a=checkout`)
  const co = findForm(checkout.body, 'frmCheckout')
  expect(co).toBeDefined()
  return web.post(`${shopUrl}/cart.php?a=checkout`, { ...co!.fields, ...customer, ...extra })
}

describe('a WHMCS-like shop with a BitPay-like gateway', () => {
  it('sells a server end to end: invoice, payment, provisioning, client area, lease end', async () => {
    const { clock, chain, provisioner, provider, web } = await setup({ name: 'bluecloud' })
    const complete = await buy(web, provider.url, 1)
    expect(complete.url).toBe(`${provider.url}/cart.php?a=complete`)
    expect(web.cookie('WHMCSy551iLvnhYt7')).toBeDefined()
    const gwForm = findForm(complete.body, undefined, 0)
    expect(gwForm?.action).toBe(`${provider.gatewayUrl}/invoice`)
    const invoicePage = await web.get(`${gwForm!.action}?id=${gwForm!.fields['id']}`)
    expect(invoicePage.url).toContain('/invoice?id=')
    const data = JSON.parse(
      (await web.get(`${provider.gatewayUrl}/invoiceData/${gwForm!.fields['id']}`)).body,
    )
    expect(data.facade).toBe('public/invoice')
    expect(data.data.status).toBe('new')
    expect(data.data.paymentUrls.BIP72b).toBe(`bitcoin:?r=${provider.gatewayUrl}/i/${data.data.id}`)
    // $4.99 at 1000 sats/USD plus BitPay's 1 % = 5040 sats.
    expect(data.data.paymentTotals.BTC).toBe(5040)
    expect(parseBtc(data.data.btcDue)).toBe(5040n)
    const pr = await web.get(`${provider.gatewayUrl}/i/${data.data.id}`, {
      accept: 'application/payment-request',
    })
    expect(JSON.parse(pr.body).outputs).toEqual([{ amount: 5040, address: data.data.bitcoinAddress }])

    chain.pay(data.data.bitcoinAddress, 5040n)
    await provider.pass()
    const paid = JSON.parse((await web.get(`${provider.gatewayUrl}/invoiceData/${data.data.id}`)).body)
    expect(paid.data.status).toBe('paid')
    chain.mine(1)
    await provider.pass()
    let services = await web.get(`${provider.url}/clientarea.php?action=services`)
    expect(services.body).toContain('status-pending')
    await clock.advance(10 * 60_000)
    await provider.pass()
    await Promise.resolve()
    expect(provisioner.live()).toHaveLength(1)
    const host = provisioner.live()[0]!
    expect(host.rootPassword).toBe('Sup3rSecretRoot')
    services = await web.get(`${provider.url}/clientarea.php?action=services`)
    expect(services.body).toContain('<span class="label status status-active">Active</span>')
    const id = /productdetails&amp;id=(\d+)/.exec(services.body)![1]
    const details = await web.get(`${provider.url}/clientarea.php?action=productdetails&id=${id}`)
    expect(details.body).toContain(host.ip)
    const solus = JSON.parse(
      (await web.get(`${provider.url}/modules/servers/solusvmpro/get_client_data.php?vserverid=${id}&_=1`))
        .body,
    )
    expect(solus.mainip).toBe(host.ip)
    const emails = await web.get(`${provider.url}/clientarea.php?action=emails`)
    const ids = [...emails.body.matchAll(/viewemail\.php\?id=(\d+)', 'emailWin', '650', '450'\)">/g)].map(
      (m) => m[1],
    )
    expect(ids.length).toBeGreaterThanOrEqual(5)
    const mails = await Promise.all(ids.map((mid) => web.get(`${provider.url}/viewemail.php?id=${mid}`)))
    const welcome = mails.find((m) => m.body.includes('New VPS Information'))
    expect(welcome?.body).toContain(`Main IP: ${host.ip}`)
    expect(welcome?.body).toContain('Root Password: Sup3rSecretRoot')

    await clock.advance(30 * DAY)
    await provider.pass()
    await Promise.resolve()
    expect(provisioner.live()).toHaveLength(0)
    services = await web.get(`${provider.url}/clientarea.php?action=services`)
    expect(services.body).toContain('status-terminated')
  })

  it('answers the ajax configure step with an <li> error list', async () => {
    const { provider, web } = await setup({ name: 'bluecloud' })
    const conf = await web.get(`${provider.url}/cart.php?a=add&pid=1`)
    const form = findForm(conf.body, 'frmConfigureProduct')!
    const reply = await web.post(`${provider.url}/cart.php`, {
      ...form.fields,
      a: 'confproduct',
      ajax: '1',
      hostname: '',
      rootpw: '',
    })
    expect(reply.body).toContain('<li>You must enter a hostname for your server</li>')
    expect(reply.body).toContain('<li>You must enter a root password</li>')
  })

  it('shows the checkout error box and stays on checkout for bad input, and refuses the promo button', async () => {
    const { provider, web } = await setup({ name: 'bluecloud' })
    const bad = await buy(web, provider.url, 1, { email: 'not-an-email', accepttos: '' })
    expect(bad.url).toContain('a=checkout')
    expect(bad.body).toContain('alert alert-danger checkout-error-feedback')
    expect(bad.body).toContain('The email address you entered was not valid')
    const co = findForm(bad.body, 'frmCheckout')!
    const promo = await web.post(`${provider.url}/cart.php?a=checkout`, {
      ...co.fields,
      ...customer,
      validatepromo: 'Validate Code',
    })
    expect(promo.body).toContain('The promotion code entered does not exist')
  })

  it('expires an unpaid invoice and cancels the order', async () => {
    const { clock, provider, web, provisioner } = await setup({ name: 'bluecloud' })
    await buy(web, provider.url, 1)
    await clock.advance(16 * 60_000)
    await provider.pass()
    const services = await web.get(`${provider.url}/clientarea.php?action=services`)
    expect(services.body).toContain('status-cancelled')
    expect(provisioner.live()).toHaveLength(0)
  })

  it('keeps an underpaid invoice open and provisions once the rest arrives', async () => {
    const { clock, chain, provider, web, provisioner } = await setup({ name: 'bluecloud' })
    const complete = await buy(web, provider.url, 1)
    const id = findForm(complete.body)!.fields['id']
    const data = JSON.parse((await web.get(`${provider.gatewayUrl}/invoiceData/${id}`)).body).data
    chain.pay(data.bitcoinAddress, 2000n)
    chain.mine(1)
    await provider.pass()
    const partial = JSON.parse((await web.get(`${provider.gatewayUrl}/invoiceData/${id}`)).body).data
    expect(partial.status).toBe('new')
    expect(partial.exceptionStatus).toBe('paidPartial')
    expect(parseBtc(partial.btcDue)).toBe(3040n)
    chain.pay(data.bitcoinAddress, 4000n)
    chain.mine(1)
    await provider.pass()
    const over = JSON.parse((await web.get(`${provider.gatewayUrl}/invoiceData/${id}`)).body).data
    expect(over.status).toBe('confirmed')
    expect(over.exceptionStatus).toBe('paidOver')
    await clock.advance(10 * 60_000)
    await provider.pass()
    await Promise.resolve()
    expect(provisioner.live()).toHaveLength(1)
  })

  it('logs in to the client area with dologin.php and rejects a wrong password', async () => {
    const { provider, web } = await setup({ name: 'bluecloud' })
    await buy(web, provider.url, 1)
    await web.get(`${provider.url}/logout.php`)
    const login = await web.get(`${provider.url}/clientarea.php`)
    const form = findForm(login.body)!
    expect(form.action).toBe('dologin.php')
    const wrong = await web.post(`${provider.url}/dologin.php`, {
      ...form.fields,
      username: customer.email,
      password: 'nope',
    })
    expect(wrong.url).toContain('incorrect=true')
    const ok = await web.post(`${provider.url}/dologin.php`, {
      ...form.fields,
      username: customer.email,
      password: customer.password,
    })
    expect(ok.url).toBe(`${provider.url}/clientarea.php`)
    expect(ok.body).toContain('clientarea.php?action=services')
  })

  it('changes the root password through both SolusVM-Pro interfaces and refuses bad passwords', async () => {
    const { clock, chain, provider, web, hostAccess, provisioner } = await setup({ name: 'bluecloud' })
    await buy(web, provider.url, 1)
    for (const address of chain.addresses()) chain.pay(address, 1_000_000n)
    chain.mine(1)
    await provider.pass()
    await clock.advance(10 * 60_000)
    await provider.pass()
    await Promise.resolve()
    const ip = provisioner.live()[0]!.ip
    const services = await web.get(`${provider.url}/clientarea.php?action=services`)
    const id = /productdetails&amp;id=(\d+)/.exec(services.body)![1]
    const url = (pw: string) =>
      `${provider.url}/clientarea.php?action=productdetails&id=${id}&vserverid=${id}&modop=custom&a=ChangeRootPassword&newrootpassword=${encodeURIComponent(pw)}&ajax=1&ac=Custom_ChangeRootPassword&_=1`
    expect(JSON.parse((await web.get(url('has space in it'))).body).success).toBe(false)
    expect(JSON.parse((await web.get(url('New-Passw0rd'))).body)).toEqual({
      success: true,
      msg: 'Root password changed successfully',
    })
    expect(hostAccess.passwords.get(ip)).toBe('New-Passw0rd')
    const form = await web.post(`${provider.url}/rootpassword.php?id=${id}`, {
      newrootpassword: 'Other-Passw0rd',
      rootpassword: 'Change',
    })
    expect(form.body).toContain('Password Updated')
    expect(hostAccess.passwords.get(ip)).toBe('Other-Passw0rd')
  })

  it('shows the invoice with its gateway form until paid, and lets an existing client order again', async () => {
    const { chain, provider, web } = await setup({ name: 'bluecloud' })
    const complete = await buy(web, provider.url, 1)
    const invoiceNum = /viewinvoice\.php\?id=(\d+)/.exec(complete.body)![1]
    const unpaid = await web.get(`${provider.url}/viewinvoice.php?id=${invoiceNum}`)
    expect(unpaid.body).toContain('<span class="unpaid">Unpaid</span>')
    expect(findForm(unpaid.body)?.action).toBe(`${provider.gatewayUrl}/invoice`)
    for (const address of chain.addresses()) chain.pay(address, 1_000_000n)
    chain.mine(1)
    await provider.pass()
    const paid = await web.get(`${provider.url}/viewinvoice.php?id=${invoiceNum}`)
    expect(paid.body).toContain('<span class="paid">Paid</span>')
    expect(findForm(paid.body)).toBeUndefined()

    await web.get(`${provider.url}/logout.php`)
    const conf = await web.get(`${provider.url}/cart.php?a=add&pid=2`)
    const form = findForm(conf.body, 'frmConfigureProduct')!
    await web.post(`${provider.url}/cart.php`, {
      ...form.fields,
      a: 'confproduct',
      ajax: '1',
      hostname: 'two.example.nl',
      rootpw: 'Sup3rSecretRoot',
    })
    const co = findForm((await web.get(`${provider.url}/cart.php?a=checkout`)).body, 'frmCheckout')!
    const wrong = await web.post(`${provider.url}/cart.php?a=checkout`, {
      ...co.fields,
      custtype: 'existing',
      loginemail: customer.email,
      loginpassword: 'wrong-password',
      accepttos: 'on',
    })
    expect(wrong.body).toContain('Login Details Incorrect')
    const second = await web.post(`${provider.url}/cart.php?a=checkout`, {
      ...co.fields,
      custtype: 'existing',
      loginemail: customer.email,
      loginpassword: customer.password,
      accepttos: 'on',
    })
    expect(second.url).toContain('a=complete')
    const services = await web.get(`${provider.url}/clientarea.php?action=services`)
    expect(services.body.match(/<tr onclick=/g)).toHaveLength(2)
  })
})
