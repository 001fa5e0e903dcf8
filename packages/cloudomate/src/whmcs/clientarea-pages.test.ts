import { readFileSync } from 'node:fs'
import { errorCode } from '@dolly/base'
import { describe, expect, it } from 'vitest'
import {
  isUsableIpv4,
  parseEmailList,
  parseProductIp,
  parseProductRows,
  parseServerMail,
  parseServices,
  parseVserverId,
} from './clientarea-pages.ts'
import { dueDateMs } from './driver.ts'

const fixture = (name: string): string =>
  readFileSync(new URL(`../../test/fixtures/${name}`, import.meta.url), 'utf8')
const BASE = 'https://shop.example/clientarea.php?action=services'

describe('client area parsers on the recorded real pages', () => {
  it('reads both services of clientarea_services.html as the README states', () => {
    expect(parseServices(fixture('clientarea_services.html'), BASE)).toEqual([
      {
        id: '8961',
        name: 'Basic',
        price: '4.99',
        nextDue: '2017-06-19',
        status: 'active',
        url: 'https://shop.example/clientarea.php?action=productdetails&id=8961',
      },
      {
        id: '9019',
        name: 'Basic',
        price: '4.99',
        nextDue: '2017-05-24',
        status: 'cancelled',
        url: 'https://shop.example/clientarea.php?action=productdetails&id=9019',
      },
    ])
  })

  it("takes a service's lease end from its next due date (the day's start, UTC)", () => {
    const [active] = parseServices(fixture('clientarea_services.html'), BASE)
    expect(dueDateMs(active?.nextDue ?? '')).toBe(Date.UTC(2017, 5, 19))
    expect(dueDateMs('19/06/2017')).toBeUndefined()
  })

  it('reads hostname, IP and nameservers of clientarea_service.html', () => {
    const html = fixture('clientarea_service.html')
    expect(parseProductIp(html)).toBe('178.32.53.129')
    expect(parseProductRows(html)).toEqual({
      Hostname: 'hostname',
      'Primary IP': '178.32.53.129',
      Nameservers: 'ns1.pulseservers.com\nns2.pulseservers.com',
    })
    expect(parseVserverId(html)).toBeNull()
  })

  it('reports "not ready" instead of crashing when a product page has no IP yet', () => {
    const html = fixture('clientarea_service.html').replace('178.32.53.129', 'pending')
    expect(parseProductIp(html)).toBeNull()
  })

  it('lists the e-mails of clientarea_emails.html with ids, dates and subjects', () => {
    const list = parseEmailList(fixture('clientarea_emails.html'))
    expect(list.map((e) => e.id)).toEqual(['176057', '176049', '176044', '176045', '176043'])
    expect(list.map((e) => e.subject)).toEqual([
      'CrownCloud - New VPS Information',
      'Invoice Payment Confirmation',
      'Customer Invoice',
      'Order Confirmation',
      'Welcome',
    ])
    expect(list[0]?.sent).toBe('2017-05-31 15:54:58')
  })

  it('rejects the redacted IP of crowncloud_email.html and still reads the other fields', () => {
    expect(parseServerMail(fixture('crowncloud_email.html'))).toEqual({
      ip: null,
      rejectedIp: '000.000.000.000',
      rootPassword: 'xxxx',
      panelUrl: 'https://crownpanel.com',
      panelUsername: 'paneluserxxxx',
    })
  })

  it('reads a complete server mail', () => {
    const mail =
      '<p>VPS Details<br>====<br>Hostname: a.b<br>Main IP: 10.77.0.12<br>Username: root<br>Root Password: S3cret-pw<br></p>'
    expect(parseServerMail(mail)).toMatchObject({ ip: '10.77.0.12', rootPassword: 'S3cret-pw' })
  })

  it('accepts only canonical unicast IPv4 text', () => {
    expect(isUsableIpv4('178.32.53.129')).toBe(true)
    for (const bad of ['000.000.000.000', '0.1.2.3', '256.1.1.1', '01.2.3.4', '1.2.3', 'a.b.c.d'])
      expect(isUsableIpv4(bad), bad).toBe(false)
  })
})

describe('client area parsers on hostile pages', () => {
  it('turns a services row linking to a non-URL (`http://[`) into CLOUDOMATE_SHOP_CHANGED, not a TypeError', () => {
    const html = `<table id="tableServicesList"><tbody><tr>
      <td><strong>Basic</strong></td><td>$4.99</td><td><span>2017-06-19</span></td>
      <td><span>Active</span></td><td><a href="http://[">details</a></td></tr></tbody></table>`
    let thrown: unknown
    try {
      parseServices(html, BASE)
    } catch (err) {
      thrown = err
    }
    expect(errorCode(thrown)).toBe('CLOUDOMATE_SHOP_CHANGED')
  })
})
