import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { createSeededRng } from '@dolly/base'
import { chromium, type Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ReportInput } from '../../src/simulate/report/index.ts'
import { writeReport } from '../../src/simulate/report/index.ts'

/**
 * The fleet simulator's report in a real browser (issue 19, item 3): a report rendered from a
 * synthetic year-long summary opens from file:// in headless Chromium with no console error, no
 * page error and no request besides the page itself, shows every chart, and leaves a screenshot in
 * `tmp/artifacts/simulate-report/` (git-ignored) for a human to look at.
 */

const CHROMIUM = '/usr/bin/chromium'
const ARTIFACTS = fileURLToPath(new URL('../../../../tmp/artifacts/simulate-report/', import.meta.url))

/** A year of a made-up fleet, shaped like the simulator's summary, with one 100,000-point series. */
function sampleReport(): ReportInput {
  const rng = createSeededRng(19)
  const days = Array.from({ length: 366 }, (_, d) => d)
  const alive = days.map((d) => Math.round(10_000 * (1 + 0.8 * Math.sin(d / 58)) + 300 * rng.float()))
  const providers = ['linevast', 'blueangelhost', 'pulseservers', 'hostsailor', 'undergroundprivate']
  const raw = providers.map((_, k) =>
    days.map((d) => (k === 0 && d > 120 ? 0.2 : 1) * (1 + k + 0.5 * rng.float())),
  )
  const totals = days.map((d) => raw.reduce((sum, r) => sum + (r[d] ?? 0), 0))
  const ticks = Array.from({ length: 100_000 }, (_, i) => (i * 365) / 100_000)
  return {
    title: 'Fleet simulation: 10,000 agents, 365 days',
    subtitle: 'scenario default · seed 1 · synthetic data for the renderer test',
    facts: [
      { label: 'Births', value: '48,213' },
      { label: 'Deaths', value: '38,105' },
      { label: 'Generations', value: '31' },
      { label: 'Wall time', value: '54.2 s' },
    ],
    charts: [
      {
        id: 'population',
        title: 'Population',
        xLabel: 'day',
        yLabel: 'agents',
        x: days,
        series: [
          { name: 'alive', values: alive },
          { name: 'births per day', values: days.map((d) => 100 + ((d * 37) % 80)) },
          { name: 'deaths per day', values: days.map((d) => (d === 200 ? NaN : 90 + ((d * 53) % 70))) },
        ],
      },
      {
        id: 'provider-shares',
        title: 'Provider shares (linevast starts banning on day 120)',
        xLabel: 'day',
        yLabel: 'share of servers',
        stacked: true,
        x: days,
        series: providers.map((name, k) => ({
          name,
          values: days.map((d) => (raw[k]?.[d] ?? 0) / (totals[d] ?? 1)),
        })),
      },
      {
        id: 'balances',
        title: 'Fleet balance, every tick',
        xLabel: 'day',
        yLabel: 'satoshis',
        x: ticks,
        series: [
          {
            name: 'total balance',
            values: ticks.map(
              (t, i) => 5e9 + 2e9 * Math.sin(t / 30) + (i === 61_234 ? 4e9 : 0) + 1e8 * rng.float(),
            ),
          },
        ],
      },
      { id: 'empty', title: 'A chart with no data', xLabel: 'day', yLabel: 'nothing', x: [], series: [] },
    ],
    tables: [
      {
        title: 'Deaths by cause',
        columns: ['cause', 'agents'],
        rows: [
          ['out of money', 30_117],
          ['banned by provider', 6_420],
          ['lease expired', 1_568],
        ],
      },
    ],
  }
}

describe('simulator report in a browser', () => {
  let browser: Browser
  let dir: string

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] })
    dir = await mkdtemp(join(tmpdir(), 'dolly-report-browser-'))
  })

  afterAll(async () => {
    await browser.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('opens index.html offline with no console error and no request, and shows every chart', async () => {
    const { files } = await writeReport(dir, sampleReport())
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual([
      'population.svg',
      'provider-shares.svg',
      'balances.svg',
      'empty.svg',
      'index.html',
    ])
    const page = await browser.newPage({ viewport: { width: 1000, height: 800 } })
    const problems: string[] = []
    const requests: string[] = []
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`)
    })
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
    page.on('request', (r) => requests.push(r.url()))
    const url = pathToFileURL(join(dir, 'index.html')).href
    await page.goto(url, { waitUntil: 'load', timeout: 30_000 })

    expect(problems).toEqual([])
    expect(requests).toEqual([url])
    expect(await page.title()).toBe('Fleet simulation: 10,000 agents, 365 days')
    const charts = await page.locator('svg.chart').evaluateAll((svgs) =>
      svgs.map((s) => {
        const box = s.getBoundingClientRect()
        return {
          label: s.getAttribute('aria-label'),
          width: box.width,
          height: box.height,
          paths: s.querySelectorAll('path').length,
        }
      }),
    )
    expect(charts.map((c) => c.label)).toEqual([
      'Population',
      'Provider shares (linevast starts banning on day 120)',
      'Fleet balance, every tick',
      'A chart with no data',
    ])
    for (const c of charts) {
      expect(c.width).toBeGreaterThan(700)
      expect(c.height).toBeGreaterThan(300)
    }
    expect(charts.map((c) => c.paths)).toEqual([3, 5, 1, 0])
    // The browser parsed the long series' path: it spans the whole x axis (704 px: the axis ends on the data).
    const balance = await page.locator('#chart-balances path').evaluate((p) => {
      const box = (p as unknown as { getBBox(): { width: number; height: number } }).getBBox()
      return { width: box.width, height: box.height }
    })
    expect(Math.abs(balance.width - 704)).toBeLessThan(2)
    expect(await page.getByRole('img', { name: 'Population' }).count()).toBe(1)
    expect(await page.locator('td.num').first().textContent()).toBe('30117')

    await mkdir(ARTIFACTS, { recursive: true })
    const shot = join(ARTIFACTS, 'index.png')
    await page.screenshot({ path: shot, fullPage: true })
    expect((await stat(shot)).size).toBeGreaterThan(20_000)
    // A standalone chart renders on its own too.
    const svgPage = await browser.newPage({ viewport: { width: 820, height: 480 } })
    svgPage.on('console', (m) => {
      if (m.type() === 'error') problems.push(`svg console: ${m.text()}`)
    })
    await svgPage.goto(pathToFileURL(join(dir, 'provider-shares.svg')).href, { waitUntil: 'load' })
    await svgPage.screenshot({ path: join(ARTIFACTS, 'provider-shares.png') })
    expect(await svgPage.locator('path').count()).toBe(5)
    expect(problems).toEqual([])
  })
})
