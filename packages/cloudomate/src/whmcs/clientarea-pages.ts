/**
 * Pure parsers of WHMCS client-area pages (CLOUDOMATE.md §6): the services table, product details
 * (IP, SolusVM `vserverid`), the e-mail list, and providers' welcome e-mails.
 */
import * as cheerio from 'cheerio'
import type { ClientAreaService } from '../model.ts'
import { resolveHref } from './href.ts'

/**
 * Rows of `table#tableServicesList` (5-column "six" theme, or 4 columns with `tr[data-url]`).
 *
 * @throws CloudomateError CLOUDOMATE_SHOP_CHANGED when a row links to something that is not a URL
 */
export function parseServices(html: string, pageUrl: string): readonly ClientAreaService[] {
  const $ = cheerio.load(html)
  return $('table#tableServicesList tbody tr')
    .toArray()
    .flatMap((tr) => {
      const row = $(tr)
      const cell = (i: number) => row.children('td').eq(i)
      const href =
        cell(4).find('a[href]').attr('href') ??
        row.attr('data-url') ??
        /'([^']*productdetails[^']*)'/.exec(row.attr('onclick') ?? '')?.[1]
      if (href === undefined) return []
      const parsed = resolveHref(href.replaceAll('&amp;', '&'), pageUrl)
      const url = parsed.toString()
      const id = parsed.searchParams.get('id') ?? ''
      const priceText = cell(1).text().replace(/\s+/g, ' ').trim()
      return [
        {
          id,
          name: cell(0).find('strong').first().text().trim(),
          price: /(\d+(?:[.,]\d+)?)/.exec(priceText)?.[1] ?? '',
          nextDue: cell(2).find('span').first().text().trim(),
          status: cell(3).find('span').first().text().trim().toLowerCase(),
          url,
        },
      ]
    })
}

const IPV4_RE = /\b(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\b/g

/**
 * True for a usable unicast IPv4 address written canonically: no leading zeros, octets ≤ 255, and not
 * in 0.0.0.0/8 (so a redacted `000.000.000.000` is rejected rather than returned).
 */
export function isUsableIpv4(text: string): boolean {
  const parts = text.split('.')
  if (parts.length !== 4) return false
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) return false
  }
  return parts[0] !== '0'
}

/** The first usable IPv4 address in a text, or null. */
export function firstIpv4(text: string): string | null {
  for (const m of text.matchAll(IPV4_RE)) if (isUsableIpv4(m[0])) return m[0]
  return null
}

/**
 * The server IP from a product-details page: the `div#domain > div.row` whose first `<strong>`
 * mentions IP, otherwise the first IPv4 in the page text; null = not ready yet (§6 fix of PR #72).
 */
export function parseProductIp(html: string): string | null {
  const $ = cheerio.load(html)
  for (const row of $('div#domain > div.row').toArray()) {
    const label = $(row).find('strong').first().text()
    if (/\bIP\b/i.test(label)) {
      const value = $(row).children('div').eq(1).text().trim()
      if (isUsableIpv4(value)) return value
    }
  }
  return firstIpv4($('body').text() || $.root().text())
}

/** The product-details `#domain` rows as label → text (hostname, IP, nameservers). */
export function parseProductRows(html: string): Readonly<Record<string, string>> {
  const $ = cheerio.load(html)
  const out: Record<string, string> = {}
  for (const row of $('div#domain > div.row').toArray()) {
    const label = $(row).find('strong').first().text().trim()
    const valueCell = $(row).children('div').eq(1)
    valueCell.find('br').replaceWith('\n')
    if (label !== '') out[label] = valueCell.text().trim()
  }
  return out
}

/** The SolusVM-Pro `vserverid` of a product-details page, or null. */
export function parseVserverId(html: string): string | null {
  return /vserverid\s*=\s*['"]?(\d+)/.exec(html)?.[1] ?? null
}

/** One row of the client area's e-mail list. */
export interface EmailListEntry {
  readonly id: string
  /** "YYYY-MM-DD HH:MM:SS" as the hidden span gives it. */
  readonly sent: string
  readonly subject: string
}

/** Rows of `table#tableEmailsList`, ids from `viewemail.php?id=N`. */
export function parseEmailList(html: string): readonly EmailListEntry[] {
  const $ = cheerio.load(html)
  return $('table#tableEmailsList tbody tr')
    .toArray()
    .flatMap((tr) => {
      const row = $(tr)
      const id = /viewemail\.php\?id=(\d+)/.exec(row.attr('onclick') ?? row.html() ?? '')?.[1]
      if (id === undefined) return []
      const cells = row.children('td')
      return [
        {
          id,
          sent: cells.eq(0).find('span').first().text().trim(),
          subject: cells.eq(1).text().trim(),
        },
      ]
    })
}

/** Login details found in a provider's server e-mail. */
export interface ServerMail {
  /** Null when absent or not a usable address (redacted copies). */
  readonly ip: string | null
  /** The raw "Main IP" text when it was present but rejected. */
  readonly rejectedIp: string | null
  readonly rootPassword: string | null
  readonly panelUrl: string | null
  readonly panelUsername: string | null
}

/**
 * Parses a welcome / "New VPS Information" e-mail in the CrownCloud / BlueAngelHost / LibertyVPS
 * layouts: `Main IP:`, `Root Password:` (or `root password:`), and the control-panel URL/username.
 */
export function parseServerMail(html: string): ServerMail {
  const $ = cheerio.load(html)
  $('br').replaceWith('\n')
  $('p').append('\n')
  // Mail bodies carry stray entities ("&nbsp;" and a broken "nbsp;"); normalise them to spaces.
  const text = $.root()
    .text()
    .replace(/\u00a0/g, ' ')
    .replace(/nbsp;/g, ' ')
  const field = (re: RegExp): string | null => re.exec(text)?.[1]?.trim() ?? null
  const rawIp = field(/Main IP:\s*([^\s]+)/i)
  const ip = rawIp !== null && isUsableIpv4(rawIp) ? rawIp : null
  const panelBlock = /control panel[\s\S]*$/i.exec(text)?.[0] ?? ''
  return {
    ip,
    rejectedIp: rawIp !== null && ip === null ? rawIp : null,
    rootPassword: field(/Root Password:\s*(\S+)/i),
    panelUrl: /URL:\s*(\S+)/i.exec(panelBlock)?.[1] ?? null,
    panelUsername: /Username:\s*(\S+)/i.exec(panelBlock)?.[1] ?? null,
  }
}
