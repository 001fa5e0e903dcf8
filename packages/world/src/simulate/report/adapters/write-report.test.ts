import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { renderReportHtml } from '../html.ts'
import { renderSvgChart } from '../svg-chart.ts'
import type { ReportChart, ReportInput } from '../types.ts'
import { writeReport } from './write-report.ts'

const chart = (id: string): ReportChart => ({
  id,
  title: id,
  xLabel: 'day',
  yLabel: 'agents',
  x: [0, 1, 2],
  series: [{ name: 'alive', values: [1, 4, 9] }],
})

const input: ReportInput = {
  title: 'Run',
  subtitle: 'seed 1',
  facts: [],
  charts: [chart('population'), chart('generations')],
  tables: [],
}

const dirs: string[] = []
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
})

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'dolly-report-'))
  dirs.push(d)
  return d
}

describe('writeReport', () => {
  it('writes <id>.svg per chart and index.html into a new directory, and returns their paths', async () => {
    const dir = join(await tempDir(), 'out', 'report')
    const { files } = await writeReport(dir, input)
    expect(files).toEqual([
      join(dir, 'population.svg'),
      join(dir, 'generations.svg'),
      join(dir, 'index.html'),
    ])
    expect((await readdir(dir)).sort()).toEqual(['generations.svg', 'index.html', 'population.svg'])
    expect(await readFile(join(dir, 'index.html'), 'utf8')).toBe(renderReportHtml(input))
    expect(await readFile(join(dir, 'population.svg'), 'utf8')).toBe(renderSvgChart(chart('population')))
    expect((await stat(join(dir, 'index.html'))).mode & 0o777).toBe(0o644)
  })

  it('replaces an earlier report in place', async () => {
    const dir = await tempDir()
    await writeReport(dir, input)
    await writeReport(dir, { ...input, title: 'Second run' })
    expect(await readFile(join(dir, 'index.html'), 'utf8')).toContain('<h1>Second run</h1>')
    expect((await readdir(dir)).sort()).toEqual(['generations.svg', 'index.html', 'population.svg'])
  })

  it('writes nothing when the input is bad', async () => {
    const dir = join(await tempDir(), 'out')
    await expect(
      writeReport(dir, { ...input, charts: [chart('ok'), chart('../escape')] }),
    ).rejects.toMatchObject({
      code: 'WORLD_REPORT_INVALID_INPUT',
    })
    await expect(stat(dir)).rejects.toMatchObject({ code: 'ENOENT' })
  })
})
