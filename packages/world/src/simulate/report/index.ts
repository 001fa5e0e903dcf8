/**
 * The fleet simulator's pictures (issue 19, item 3): standalone SVG charts and a self-contained HTML
 * report that opens offline, with no dependency beyond `@dolly/base`.
 */
export type { ReportChart, ReportInput, ReportSeries, ReportTable } from './types.ts'
export { renderSvgChart } from './svg-chart.ts'
export { renderReportHtml } from './html.ts'
export { writeReport } from './adapters/write-report.ts'
export { CHART_ID } from './validate.ts'
export { niceTicks, tightTicks, formatTick, type Ticks } from './ticks.ts'
export { checkWellFormed, type WellFormed } from './well-formed.ts'
