import { join } from 'node:path'
import { writeFileAtomic } from '@dolly/base'
import { renderReportHtml } from '../html.ts'
import { renderSvgChart } from '../svg-chart.ts'
import type { ReportInput } from '../types.ts'

/**
 * Writes the report into `dir` (created if missing): `<id>.svg` for each chart, then `index.html`
 * (last, so a page that exists has its charts). Everything is rendered before the first write, so bad
 * input (`WORLD_REPORT_INVALID_INPUT`) leaves `dir` untouched; each file is written atomically.
 * Returns the paths written, in order.
 *
 * @example const { files } = await writeReport('out', report) // ['out/population.svg', …, 'out/index.html']
 */
export async function writeReport(dir: string, input: ReportInput): Promise<{ files: string[] }> {
  const html = renderReportHtml(input)
  const outputs: [string, string][] = input.charts.map((c) => [join(dir, `${c.id}.svg`), renderSvgChart(c)])
  outputs.push([join(dir, 'index.html'), html])
  for (const [path, text] of outputs) await writeFileAtomic(path, text, { mode: 0o644, dirMode: 0o755 })
  return { files: outputs.map(([path]) => path) }
}
