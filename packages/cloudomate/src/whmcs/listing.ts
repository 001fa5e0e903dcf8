/**
 * Pure parsers of a WHMCS shop's plan listing (CLOUDOMATE.md §4 step 1): the standard_cart product
 * boxes, or a plan table whose header names the columns. Feature text is read with unit-aware
 * patterns; anything unreadable is a changed shop, not a guess.
 */
import * as cheerio from 'cheerio'
import { CloudomateError } from '../errors.ts'
import type { VpsOption, Virtualization } from '../model.ts'
import { parsePriceText } from '../price.ts'
import type { WhmcsShopConfig } from './shop-config.ts'

/** Hardware read from feature text. */
interface Specs {
  cores?: number
  memoryGB?: number
  storageGB?: number
  bandwidthTB?: number | null
  connectionGbps?: number
  virtualization?: Virtualization
}

const num = (s: string | undefined): number => Number((s ?? '').replace(',', '.'))

/** Reads one feature line ("2 CPU Cores", "512 MB RAM", "Unmetered Bandwidth", "1 Gbps Port"). */
export function readFeature(text: string, into: Specs, column?: string): void {
  const t = text.replace(/\s+/g, ' ').trim()
  const c = (column ?? '').toLowerCase()
  const m = (re: RegExp) => re.exec(t)
  let r
  if (/cpu|core|vcpu/.test(c) && (r = m(/^(\d+(?:\.\d+)?)/))) into.cores = num(r[1])
  else if ((r = m(/(\d+)\s*x?\s*(?:v?CPU|vCore|Core)s?\b/i))) into.cores = num(r[1])
  if (/ram|memory/.test(c) || /\b(RAM|Memory)\b/i.test(t)) {
    if ((r = m(/(\d+(?:[.,]\d+)?)\s*(GB|MB|GiB|MiB)/i)))
      into.memoryGB = /m/i.test(r[2] ?? '') ? num(r[1]) / 1024 : num(r[1])
  }
  if (/disk|storage|ssd/.test(c) || /\b(SSD|HDD|NVMe|Disk|Storage)\b/i.test(t)) {
    if ((r = m(/(\d+(?:[.,]\d+)?)\s*(GB|TB|GiB)/i)) && !/bandwidth|traffic|transfer/i.test(t))
      into.storageGB = /t/i.test(r[2] ?? '') ? num(r[1]) * 1000 : num(r[1])
  }
  if (/traffic|bandwidth|transfer/.test(c) || /\b(Bandwidth|Traffic|Transfer)\b/i.test(t)) {
    if (/unmetered|unlimited|fair use/i.test(t)) into.bandwidthTB = null
    else if ((r = m(/(\d+(?:[.,]\d+)?)\s*(TB|GB)/i)))
      into.bandwidthTB = /g/i.test(r[2] ?? '') ? num(r[1]) / 1000 : num(r[1])
  }
  if ((r = m(/(\d+(?:[.,]\d+)?)\s*(Gbps|Gbit|Mbps|Mbit)/i)))
    into.connectionGbps = /m/i.test(r[2] ?? '') ? num(r[1]) / 1000 : num(r[1])
  if (/\bKVM\b/i.test(t)) into.virtualization = 'kvm'
  else if (/OpenVZ|\bOVZ\b/i.test(t)) into.virtualization = 'openvz'
  else if (/\bLXC\b|Proxmox CT/i.test(t)) into.virtualization = 'lxc'
}

function toOption(
  shop: WhmcsShopConfig,
  pageUrl: string,
  pid: string,
  name: string,
  specs: Specs,
  priceText: string,
  inStock: boolean,
): VpsOption {
  if (specs.cores === undefined || specs.memoryGB === undefined || specs.storageGB === undefined) {
    throw new CloudomateError(
      'CLOUDOMATE_SHOP_CHANGED',
      `${shop.name}: plan ${JSON.stringify(name)} lacks cores, memory or storage in its listing`,
      { provider: shop.name, pid, specs },
    )
  }
  const { cents, currency } = parsePriceText(priceText, shop.currency)
  const cycle = shop.billingcycle === undefined ? '' : `&billingcycle=${shop.billingcycle}`
  return {
    provider: shop.name,
    id: pid,
    name,
    cores: specs.cores,
    memoryGB: specs.memoryGB,
    storageGB: specs.storageGB,
    bandwidthTBPerMonth: specs.bandwidthTB ?? null,
    connectionGbps: specs.connectionGbps ?? null,
    price: { cents, currency, period: 'month' },
    purchaseUrl: new URL(`cart.php?a=add&pid=${pid}${cycle}`, pageUrl).toString(),
    virtualization: specs.virtualization ?? shop.virtualization,
    tunTap: shop.tunTap,
    inStock,
  }
}

/**
 * Parses the listing page into options, in page order.
 *
 * @throws CloudomateError CLOUDOMATE_SHOP_CHANGED when no plan is found or a plan is unreadable
 */
export function parseListing(shop: WhmcsShopConfig, html: string, pageUrl: string): readonly VpsOption[] {
  const $ = cheerio.load(html)
  const options: VpsOption[] = []
  if (shop.layout === 'standard-cart') {
    for (const el of $('div.product').toArray()) {
      const box = $(el)
      const pid =
        /^product(\d+)$/.exec(box.attr('id') ?? '')?.[1] ??
        /pid=(\d+)/.exec(box.find('a[href*="pid="]').attr('href') ?? '')?.[1]
      if (pid === undefined) continue
      const specs: Specs = {}
      for (const li of box.find('div.product-desc li').toArray()) readFeature($(li).text(), specs)
      const name = box.find('header span').first().text().trim()
      const inStock = box.find('a[href*="a=add"]').length > 0
      options.push(
        toOption(
          shop,
          pageUrl,
          pid,
          name,
          specs,
          box.find('.product-pricing .price, .product-pricing').first().text(),
          inStock,
        ),
      )
    }
  } else {
    const table = $('table')
      .filter((_, t) => $(t).find('th').length >= 4)
      .first()
    const headers = table
      .find('thead th')
      .toArray()
      .map((th) => $(th).text().trim().toLowerCase())
    for (const tr of table.find('tbody tr').toArray()) {
      const row = $(tr)
      const href = row.find('a[href*="a=add"]').attr('href')
      const pid = row.attr('data-pid') ?? /pid=(\d+)/.exec(href ?? '')?.[1]
      if (pid === undefined) continue
      const cells = row
        .children('td')
        .toArray()
        .map((td) => $(td).text().trim())
      const specs: Specs = {}
      let name = ''
      let priceText = ''
      headers.forEach((h, i) => {
        const cell = cells[i] ?? ''
        if (/plan|name|package/.test(h)) name = cell
        else if (/price|cost/.test(h)) priceText = cell
        else readFeature(cell, specs, h)
      })
      if (specs.virtualization === undefined) {
        const fromName: Specs = {}
        readFeature(name, fromName)
        if (fromName.virtualization !== undefined) specs.virtualization = fromName.virtualization
      }
      options.push(toOption(shop, pageUrl, pid, name, specs, priceText, href !== undefined))
    }
  }
  if (options.length === 0) {
    throw new CloudomateError('CLOUDOMATE_SHOP_CHANGED', `${shop.name}: no plans found on ${pageUrl}`, {
      provider: shop.name,
      url: pageUrl,
    })
  }
  return options
}
