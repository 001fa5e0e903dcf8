/** Text output of the CLI (CLOUDOMATE.md §9 formats), kept apart from the commands. */
import { formatBtc } from '@dolly/base'
import type { VpsOption } from '../model.ts'
import { formatCents } from '../price.ts'
import type { RegistryEntry } from '../providers/registry.ts'

/** `Providers:` then one line per provider: 3 spaces, name padded to 15, website padded to 30. */
export function formatProviderList(entries: readonly RegistryEntry[]): string {
  const lines = entries.map(
    (e) =>
      `   ${e.name.length >= 15 ? `${e.name} ` : e.name.padEnd(15)}${e.website.padEnd(30)}${e.driver === undefined ? ` (needs ${e.missing ?? 'config'})` : e.driver.enabled ? '' : ' (disabled)'}`,
  )
  return ['Providers:', ...lines.map((l) => l.trimEnd())].join('\n')
}

/** Satoshis as mBTC with all 5 decimals (one satoshi is 0.00001 mBTC). */
export function formatMbtc(sats: bigint): string {
  const s = formatBtc(sats * 1000n)
  return s.slice(0, s.length - 3)
}

const table = (header: readonly string[], rows: readonly (readonly string[])[]): string => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd()
  return [line(header), ...rows.map(line)].join('\n')
}

/** The options table: `#, Name, Cores, Memory (GB), Storage (GB), Bandwidth, Connection (Gbit/s), Est. Price (mBTC), Price (USD)`. */
export function formatVpsOptions(
  options: readonly VpsOption[],
  estimates: readonly (bigint | null)[],
): string {
  const header = [
    '#',
    'Name',
    'Cores',
    'Memory (GB)',
    'Storage (GB)',
    'Bandwidth',
    'Connection (Gbit/s)',
    'Est. Price (mBTC)',
    'Price',
  ]
  const rows = options.map((o, i) => [
    String(i),
    `${o.name}${o.inStock ? '' : ' (sold out)'}`,
    String(o.cores),
    String(o.memoryGB),
    String(o.storageGB),
    o.bandwidthTBPerMonth === null ? 'unmetered' : `${o.bandwidthTBPerMonth} TB`,
    o.connectionGbps === null ? '?' : String(o.connectionGbps),
    estimates[i] === null || estimates[i] === undefined ? '?' : formatMbtc(estimates[i]),
    `${formatCents(o.price.cents)} ${o.price.currency}/${o.price.period}`,
  ])
  return table(header, rows)
}
