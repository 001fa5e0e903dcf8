/**
 * The input of the fleet simulator's report (issue 19, item 3): plain data the engine fills from its
 * summary, rendered to standalone SVG charts and one self-contained HTML page by this folder.
 */

/** One named line (or stacked band) of a chart: one value per x, `NaN`/`±Infinity` for a gap. */
export interface ReportSeries {
  readonly name: string
  readonly values: readonly number[]
}

/**
 * One chart. `id` names its file (`<id>.svg`): letters, digits, `-` and `_`, at most 64 characters,
 * starting with a letter or digit, unique within a report. Each series has one value per `x` (or no
 * values at all). `stacked` draws the series as stacked areas (e.g. provider shares over time; a
 * non-finite value counts as 0 there, and `x` should ascend). Series of 10,000+ points are fine: each
 * is drawn with at most four points per pixel column (first, lowest, highest, last).
 */
export interface ReportChart {
  readonly id: string
  readonly title: string
  readonly xLabel: string
  readonly yLabel: string
  readonly x: readonly number[]
  readonly series: readonly ReportSeries[]
  readonly stacked?: boolean
}

/** A table of the report; every row has one cell per column. */
export interface ReportTable {
  readonly title: string
  readonly columns: readonly string[]
  readonly rows: readonly (readonly (string | number)[])[]
}

/** The whole report: a heading, key facts, charts and tables, in that order on the page. */
export interface ReportInput {
  readonly title: string
  readonly subtitle: string
  readonly facts: readonly { readonly label: string; readonly value: string }[]
  readonly charts: readonly ReportChart[]
  readonly tables: readonly ReportTable[]
}
