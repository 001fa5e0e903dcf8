import { lineRuns, stackedIndices } from './downsample.ts'
import { escapeXml, truncate } from './escape.ts'
import { seriesColour } from './palette.ts'
import { stackSeries } from './stack.ts'
import { formatTick, niceTicks, tightTicks, type Ticks } from './ticks.ts'
import type { ReportChart } from './types.ts'
import { assertChart } from './validate.ts'

/**
 * One chart as SVG: line chart, or stacked areas when `chart.stacked`. Pure and deterministic (same
 * chart, same bytes); every text is escaped; no script, font, or external reference.
 */

const WIDTH = 800
const LEFT = 72
const RIGHT = 24
const TOP = 44
const PLOT_HEIGHT = 300
const PLOT_WIDTH = WIDTH - LEFT - RIGHT
const BOTTOM = TOP + PLOT_HEIGHT
const LEGEND_TOP = BOTTOM + 58
const LEGEND_COLUMNS = 3
const LEGEND_ROW = 20
const LEGEND_CHARS = 34
const FONT = 'system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif'

/**
 * `chart` as a standalone SVG document (with XML declaration and namespace), e.g. for `<id>.svg`.
 * Throws `WORLD_REPORT_INVALID_INPUT` on a bad id or a series whose length does not match `x`.
 *
 * @example await writeFile('population.svg', renderSvgChart({ id: 'population', title: 'Population', xLabel: 'day', yLabel: 'agents', x: [0, 1], series: [{ name: 'alive', values: [10, 12] }] }))
 */
export function renderSvgChart(chart: ReportChart): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${svgChartElement(chart, true)}`
}

/**
 * `chart` as an `<svg>` element; `standalone` adds the SVG namespace (an HTML page does not need it).
 * Element ids are prefixed with `chart-<id>-`, so several charts can share one page.
 */
export function svgChartElement(chart: ReportChart, standalone: boolean): string {
  assertChart(chart)
  const n = chart.x.length
  const xs = chart.x.map((x) => (Number.isFinite(x) ? x : NaN))
  const tops = chart.stacked === true ? stackSeries(chart.series, n) : []
  const xt = tightTicks(...extent(xs))
  const yt = niceTicks(...(chart.stacked === true ? stackedExtent(tops, xs) : lineExtent(chart)))
  const toPx = (x: number): number => LEFT + ((x - xt.min) / (xt.max - xt.min)) * PLOT_WIDTH
  const toPy = (y: number): number => BOTTOM - ((y - yt.min) / (yt.max - yt.min)) * PLOT_HEIGHT
  const px = xs.map(toPx)
  const marks = chart.stacked === true ? stackedMarks(tops, px, toPy) : lineMarks(chart, px, toPy)
  const legendRows = Math.ceil(chart.series.length / LEGEND_COLUMNS)
  const height = LEGEND_TOP + legendRows * LEGEND_ROW + 8
  const prefix = `chart-${chart.id}`
  const out: string[] = []
  out.push(
    `<svg${standalone ? ' xmlns="http://www.w3.org/2000/svg"' : ''} class="chart" id="${prefix}" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="${escapeXml(chart.title)}" aria-describedby="${prefix}-desc" font-family="${FONT}" font-size="12">`,
    `<title>${escapeXml(chart.title)}</title>`,
    `<desc id="${prefix}-desc">${escapeXml(describe(chart, xt, yt))}</desc>`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="26" text-anchor="middle" font-size="16" font-weight="600" fill="#111111">${escapeXml(truncate(chart.title, 90))}</text>`,
    ...axes(xt, yt, toPx, toPy),
    `<text x="${LEFT + PLOT_WIDTH / 2}" y="${BOTTOM + 40}" text-anchor="middle" fill="#333333">${escapeXml(truncate(chart.xLabel, 100))}</text>`,
    `<text transform="translate(16 ${TOP + PLOT_HEIGHT / 2}) rotate(-90)" text-anchor="middle" fill="#333333">${escapeXml(truncate(chart.yLabel, 50))}</text>`,
    ...marks,
  )
  if (marks.length === 0)
    out.push(
      `<text x="${LEFT + PLOT_WIDTH / 2}" y="${TOP + PLOT_HEIGHT / 2}" text-anchor="middle" fill="#777777" font-size="14">No data</text>`,
    )
  out.push(...legend(chart, chart.stacked === true))
  out.push('</svg>')
  return out.join('\n')
}

/** A coordinate with one decimal (sub-pixel enough at this size), never `-0`. */
function num(v: number): string {
  const r = Math.round(v * 10) / 10
  return r === 0 ? '0' : String(r)
}

function extent(values: readonly number[]): [number, number] {
  let lo = Infinity
  let hi = -Infinity
  for (const v of values)
    if (Number.isFinite(v)) {
      if (v < lo) lo = v
      if (v > hi) hi = v
    }
  return lo <= hi ? [lo, hi] : [NaN, NaN]
}

function lineExtent(chart: ReportChart): [number, number] {
  let lo = Infinity
  let hi = -Infinity
  for (const s of chart.series)
    s.values.forEach((v, i) => {
      if (!Number.isFinite(v) || !Number.isFinite(chart.x[i] ?? NaN)) return
      if (v < lo) lo = v
      if (v > hi) hi = v
    })
  return lo <= hi ? [lo, hi] : [NaN, NaN]
}

/** Stacked areas start at 0: the extent of 0 and every band edge at a drawable x. */
function stackedExtent(tops: readonly (readonly number[])[], xs: readonly number[]): [number, number] {
  let lo = 0
  let hi = 0
  for (const top of tops)
    top.forEach((v, i) => {
      if (!Number.isFinite(xs[i] ?? NaN)) return
      if (v < lo) lo = v
      if (v > hi) hi = v
    })
  return lo === hi ? [0, 1] : [lo, hi]
}

function axes(xt: Ticks, yt: Ticks, toPx: (x: number) => number, toPy: (y: number) => number): string[] {
  const out: string[] = ['<g stroke="#e6e6e6" stroke-width="1">']
  for (const v of yt.values)
    out.push(`<line x1="${LEFT}" x2="${LEFT + PLOT_WIDTH}" y1="${num(toPy(v))}" y2="${num(toPy(v))}"/>`)
  out.push('</g>', '<g fill="#444444" text-anchor="end">')
  for (const v of yt.values)
    out.push(`<text x="${LEFT - 6}" y="${num(toPy(v) + 4)}">${escapeXml(formatTick(v, yt.step))}</text>`)
  out.push('</g>', '<g fill="#444444" text-anchor="middle">')
  for (const v of xt.values)
    out.push(`<text x="${num(toPx(v))}" y="${BOTTOM + 18}">${escapeXml(formatTick(v, xt.step))}</text>`)
  out.push('</g>', '<g stroke="#333333" stroke-width="1">')
  for (const v of xt.values)
    out.push(`<line x1="${num(toPx(v))}" x2="${num(toPx(v))}" y1="${BOTTOM}" y2="${BOTTOM + 5}"/>`)
  out.push(
    `<line x1="${LEFT}" x2="${LEFT}" y1="${TOP}" y2="${BOTTOM}"/>`,
    `<line x1="${LEFT}" x2="${LEFT + PLOT_WIDTH}" y1="${BOTTOM}" y2="${BOTTOM}"/>`,
    '</g>',
  )
  return out
}

function lineMarks(chart: ReportChart, px: readonly number[], toPy: (y: number) => number): string[] {
  const out: string[] = []
  chart.series.forEach((s, k) => {
    const py = s.values.map((v) => (Number.isFinite(v) ? toPy(v) : NaN))
    const runs = lineRuns(px, py)
    if (runs.length === 0) return
    const d = runs
      .map((run) => {
        const points = run.map((i) => `${num(px[i] ?? NaN)} ${num(py[i] ?? NaN)}`)
        // A lone point is a zero-length segment: its round cap draws a dot.
        return run.length === 1 ? `M${points[0] ?? ''}h0` : `M${points.join('L')}`
      })
      .join('')
    out.push(
      `<path d="${d}" fill="none" stroke="${seriesColour(k)}" stroke-width="1.8" stroke-linejoin="round" stroke-linecap="round"><title>${escapeXml(s.name)}</title></path>`,
    )
  })
  return out
}

function stackedMarks(
  tops: readonly (readonly number[])[],
  px: readonly number[],
  toPy: (y: number) => number,
): string[] {
  const drawable = px.flatMap((x, i) => (Number.isFinite(x) ? [i] : []))
  const total = tops[tops.length - 1] ?? []
  const keep = stackedIndices(
    drawable.map((i) => px[i] ?? NaN),
    drawable.map((i) => total[i] ?? 0),
  ).map((j) => drawable[j] ?? 0)
  if (keep.length === 0) return []
  const out: string[] = []
  tops.forEach((top, k) => {
    const below = tops[k - 1]
    const upper = keep.map((i) => `${num(px[i] ?? NaN)} ${num(toPy(top[i] ?? 0))}`)
    const lower = keep.map((i) => `${num(px[i] ?? NaN)} ${num(toPy(below?.[i] ?? 0))}`).reverse()
    out.push(
      `<path d="M${upper.join('L')}L${lower.join('L')}Z" fill="${seriesColour(k)}" fill-opacity="0.85" stroke="${seriesColour(k)}" stroke-width="0.5"/>`,
    )
  })
  return out
}

function legend(chart: ReportChart, stacked: boolean): string[] {
  const out: string[] = []
  const columnWidth = PLOT_WIDTH / LEGEND_COLUMNS
  chart.series.forEach((s, k) => {
    const x = LEFT + (k % LEGEND_COLUMNS) * columnWidth
    const y = LEGEND_TOP + Math.floor(k / LEGEND_COLUMNS) * LEGEND_ROW
    const swatch = stacked
      ? `<rect x="${num(x)}" y="${y - 10}" width="14" height="12" fill="${seriesColour(k)}"/>`
      : `<line x1="${num(x)}" x2="${num(x + 16)}" y1="${y - 4}" y2="${y - 4}" stroke="${seriesColour(k)}" stroke-width="3"/>`
    out.push(
      `<g>${swatch}<text x="${num(x + 22)}" y="${y}" fill="#222222">${escapeXml(truncate(s.name, LEGEND_CHARS))}</text><title>${escapeXml(s.name)}</title></g>`,
    )
  })
  return out
}

function describe(chart: ReportChart, xt: Ticks, yt: Ticks): string {
  const names = chart.series.slice(0, 12).map((s) => truncate(s.name, 40))
  const more = chart.series.length > names.length ? `, and ${chart.series.length - names.length} more` : ''
  const kind = chart.stacked === true ? 'Stacked area chart' : 'Line chart'
  const list = names.length > 0 ? ` (${names.join(', ')}${more})` : ''
  return `${kind} of ${chart.series.length} series${list}: ${chart.yLabel} from ${formatTick(yt.min, yt.step)} to ${formatTick(yt.max, yt.step)} against ${chart.xLabel} from ${formatTick(xt.min, xt.step)} to ${formatTick(xt.max, xt.step)}.`
}
