import { pyFloat } from './python-repr.ts'

/** What `!qtables<N>` shows of a Q-table: offer ids (`provider_option`) and Q, indexed like them. */
export interface QTableView {
  readonly offers: readonly string[]
  readonly q: readonly (readonly number[])[]
}

/** Narrowest column (the original's `max(20, len(label) + 2)`). */
const MIN_COLUMN = 20

/**
 * The rows of `!qtables<N>` (AGENT.md §11): a header (`-`, then one label per offer) and one row per
 * state (its label, then `str(float)` of each Q value). A label is the offer's provider (the id up to
 * its first `_`) plus a per-provider counter: `linevast1`, `linevast2`, … Each column is left-aligned
 * and `max(20, len(label) + 2)` wide (the first, of row labels, as wide as its longest label needs),
 * columns joined by one space, trailing spaces dropped. Pure.
 */
export function qtableRows(table: QTableView): string[] {
  const seen = new Map<string, number>()
  const labels = table.offers.map((id) => {
    const provider = id.split(' ')[0]?.split('_')[0] ?? id
    const n = (seen.get(provider) ?? 0) + 1
    seen.set(provider, n)
    return `${provider}${n}`
  })
  const width = (label: string): number => Math.max(MIN_COLUMN, label.length + 2)
  const firstWidth = Math.max(width('-'), ...labels.map(width))
  const widths = labels.map(width)
  // The last cell's padding is dropped: IRC servers strip trailing spaces (ngircd does), so a row
  // arrives without them whatever is sent.
  const row = (first: string, cells: readonly string[]): string =>
    [first.padEnd(firstWidth), ...cells.map((c, i) => c.padEnd(widths[i] ?? MIN_COLUMN))].join(' ').trimEnd()
  return [
    row('-', labels),
    ...labels.map((label, s) =>
      row(
        label,
        labels.map((_, t) => pyFloat(table.q[s]?.[t] ?? 0)),
      ),
    ),
  ]
}
