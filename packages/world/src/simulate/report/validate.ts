import { WorldError } from '../../errors.ts'
import type { ReportChart, ReportInput, ReportTable } from './types.ts'

/** A chart id: a safe file name (`<id>.svg`) and, prefixed, a safe XML id. */
export const CHART_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/

/** Throws `WORLD_REPORT_INVALID_INPUT` unless `chart` has a safe id and one value per x in every series. */
export function assertChart(chart: ReportChart): void {
  if (typeof chart.id !== 'string' || !CHART_ID.test(chart.id))
    throw new WorldError(
      'WORLD_REPORT_INVALID_INPUT',
      `chart id ${JSON.stringify(chart.id)} is not a safe file name: use 1 to 64 letters, digits, '-' or '_', starting with a letter or digit`,
      { id: String(chart.id) },
    )
  for (const s of chart.series)
    if (s.values.length !== 0 && s.values.length !== chart.x.length)
      throw new WorldError(
        'WORLD_REPORT_INVALID_INPUT',
        `series ${JSON.stringify(s.name)} of chart ${chart.id} has ${s.values.length} values for ${chart.x.length} x values: give one value per x (NaN for a gap) or none`,
        { id: chart.id, series: s.name, values: s.values.length, x: chart.x.length },
      )
}

/** Throws `WORLD_REPORT_INVALID_INPUT` unless a row of `table` has as many cells as it has columns. */
export function assertTable(table: ReportTable): void {
  table.rows.forEach((row, i) => {
    if (row.length !== table.columns.length)
      throw new WorldError(
        'WORLD_REPORT_INVALID_INPUT',
        `row ${i} of table ${JSON.stringify(table.title)} has ${row.length} cells for ${table.columns.length} columns`,
        { table: table.title, row: i, cells: row.length, columns: table.columns.length },
      )
  })
}

/** Throws `WORLD_REPORT_INVALID_INPUT` on a bad chart or table, or on two charts with one id (one file). */
export function assertReport(input: ReportInput): void {
  const seen = new Set<string>()
  for (const chart of input.charts) {
    assertChart(chart)
    const key = chart.id.toLowerCase()
    if (seen.has(key))
      throw new WorldError(
        'WORLD_REPORT_INVALID_INPUT',
        `two charts have the id ${chart.id} (ids name files, compared without case): give each chart its own id`,
        { id: chart.id },
      )
    seen.add(key)
  }
  for (const table of input.tables) assertTable(table)
}
