import { escapeXml } from './escape.ts'
import { svgChartElement } from './svg-chart.ts'
import type { ReportInput, ReportTable } from './types.ts'
import { assertReport } from './validate.ts'

/**
 * The report page: one self-contained HTML file (inline CSS and SVG, no script, font, image or
 * external URL; a Content-Security-Policy forbids loading anything), so it opens offline. It is also
 * well-formed XML, so tools can parse it.
 */

const CSS = [
  'body{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:0 auto;max-width:860px;padding:24px;color:#111;background:#fafafa;line-height:1.4}',
  'h1{font-size:1.6em;margin:0 0 4px}',
  'p.subtitle{margin:0 0 20px;color:#555}',
  'dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:0 0 24px}',
  'dl.facts dt{font-weight:600}',
  'dl.facts dd{margin:0;font-variant-numeric:tabular-nums}',
  'figure{margin:0 0 24px;background:#fff;border:1px solid #ddd;border-radius:4px;padding:8px}',
  'figure svg{display:block;max-width:100%;height:auto}',
  'table{border-collapse:collapse;margin:0 0 24px;background:#fff;width:100%}',
  'caption{text-align:left;font-weight:600;padding:4px 0}',
  'th,td{border:1px solid #ddd;padding:4px 8px;text-align:left}',
  'td.num{text-align:right;font-variant-numeric:tabular-nums}',
].join('\n')

const CSP = "default-src 'none'; style-src 'unsafe-inline'"

/**
 * `input` as one self-contained HTML page with every chart inline. Deterministic (same input, same
 * bytes). Throws `WORLD_REPORT_INVALID_INPUT` on a bad chart id, two charts with one id, a series
 * whose length does not match its x, or a table row whose length does not match its columns.
 */
export function renderReportHtml(input: ReportInput): string {
  assertReport(input)
  const out: string[] = [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8"/>',
    `<meta http-equiv="Content-Security-Policy" content="${CSP}"/>`,
    '<meta name="viewport" content="width=device-width, initial-scale=1"/>',
    `<title>${escapeXml(input.title)}</title>`,
    `<style>\n${CSS}\n</style>`,
    '</head>',
    '<body>',
    '<main>',
    `<h1>${escapeXml(input.title)}</h1>`,
    `<p class="subtitle">${escapeXml(input.subtitle)}</p>`,
  ]
  if (input.facts.length > 0) {
    out.push('<dl class="facts">')
    for (const f of input.facts) out.push(`<dt>${escapeXml(f.label)}</dt><dd>${escapeXml(f.value)}</dd>`)
    out.push('</dl>')
  }
  for (const chart of input.charts) out.push('<figure>', svgChartElement(chart, false), '</figure>')
  for (const table of input.tables) out.push(...tableHtml(table))
  out.push('</main>', '</body>', '</html>', '')
  return out.join('\n')
}

function tableHtml(table: ReportTable): string[] {
  const out = ['<table>', `<caption>${escapeXml(table.title)}</caption>`, '<thead><tr>']
  for (const c of table.columns) out.push(`<th scope="col">${escapeXml(c)}</th>`)
  out.push('</tr></thead>', '<tbody>')
  for (const row of table.rows) {
    const cells = row.map((cell) =>
      typeof cell === 'number'
        ? `<td class="num">${escapeXml(formatCell(cell))}</td>`
        : `<td>${escapeXml(cell)}</td>`,
    )
    out.push(`<tr>${cells.join('')}</tr>`)
  }
  out.push('</tbody>', '</table>')
  return out
}

/** A number cell in full (tables give exact values; charts round): `NaN` and `∞` spelled out. */
function formatCell(v: number): string {
  if (Number.isNaN(v)) return 'NaN'
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '-∞'
  return Object.is(v, -0) ? '0' : String(v)
}
