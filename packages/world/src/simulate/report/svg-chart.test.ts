import { createSeededRng } from '@dolly/base'
import { describe, expect, it } from 'vitest'
import { renderSvgChart } from './svg-chart.ts'
import type { ReportChart } from './types.ts'
import { checkWellFormed } from './well-formed.ts'

const DAYS = Array.from({ length: 366 }, (_, i) => i)

function chart(overrides: Partial<ReportChart> = {}): ReportChart {
  return {
    id: 'population',
    title: 'Population',
    xLabel: 'day',
    yLabel: 'agents',
    x: DAYS,
    series: [
      { name: 'alive', values: DAYS.map((d) => 10_000 + 30 * d) },
      { name: 'families', values: DAYS.map((d) => 1000 + Math.round(500 * Math.sin(d / 20))) },
    ],
    ...overrides,
  }
}

/** The `d` attributes of the chart's data paths. */
function paths(svg: string): string[] {
  return [...svg.matchAll(/<path d="([^"]*)"/g)].map((m) => m[1] ?? '')
}

/** The points of a path, as [x, y] pairs, over all its subpaths. */
function points(d: string): [number, number][] {
  return [...d.matchAll(/[ML](-?[\d.]+) (-?[\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])])
}

function expectWellFormed(svg: string): readonly string[] {
  const parsed = checkWellFormed(svg)
  expect(parsed, svg.slice(0, 2000)).toMatchObject({ ok: true, root: 'svg' })
  return parsed.ok ? parsed.elements : []
}

describe('renderSvgChart', () => {
  it('is a well-formed, accessible, standalone SVG document', () => {
    const svg = renderSvgChart(chart())
    const elements = expectWellFormed(svg)
    expect(
      svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"'),
    ).toBe(true)
    expect(svg).toContain('role="img"')
    expect(svg).toContain('aria-label="Population"')
    expect(svg).toContain('<title>Population</title>')
    expect(elements).toContain('desc')
    expect(svg).toContain('>agents</text>')
    expect(svg).toContain('>day</text>')
    expect(svg).toContain('>alive</text>') // legend
    expect(svg).toContain('>20k</text>') // a compact y tick
    expect(paths(svg)).toHaveLength(2)
    expect(new Set(paths(svg).map((d) => d.length)).size).toBe(2)
  })

  it('refers to nothing outside itself: no script, link, font or URL but the SVG namespace', () => {
    const svg = renderSvgChart(chart({ stacked: true }))
    expect(svg.replace('xmlns="http://www.w3.org/2000/svg"', '')).not.toMatch(
      /https?:|href|url\(|@import|<script|@font-face|<image/i,
    )
  })

  it('gives the same bytes for the same input and different bytes for different data', () => {
    const a = renderSvgChart(chart())
    expect(renderSvgChart(structuredClone(chart()))).toBe(a)
    const other = chart()
    expect(renderSvgChart({ ...other, series: [other.series[0] ?? { name: '', values: [] }] })).not.toBe(a)
  })

  it('escapes every text, so markup in names and titles stays text', () => {
    const evil = `</title><script>alert(1)</script><![CDATA[ ]]> & "quoted" 'single' \u0001`
    const svg = renderSvgChart(
      chart({ title: evil, xLabel: evil, yLabel: evil, series: [{ name: evil, values: DAYS }] }),
    )
    const elements = expectWellFormed(svg)
    expect(elements).not.toContain('script')
    expect(svg).not.toContain('<script')
    expect(svg).toContain('&lt;/title&gt;&lt;script&gt;')
    expect(svg).toContain('&amp; &quot;quoted&quot; &#39;single&#39; \uFFFD')
  })

  it('draws gaps at NaN and Infinity and never writes a non-number into the SVG', () => {
    const values = DAYS.map((d) => (d === 100 ? NaN : d === 200 ? Infinity : d === 300 ? -Infinity : d))
    const x = DAYS.map((d) => (d === 50 ? NaN : d))
    const svg = renderSvgChart(chart({ x, series: [{ name: 'gappy', values }] }))
    expectWellFormed(svg)
    const [d] = paths(svg)
    expect(d?.match(/M/g)).toHaveLength(5)
    expect(svg).not.toMatch(/NaN|Infinity/)
  })

  it('renders empty and all-gap charts as valid SVG with a "No data" note', () => {
    const cases: ReportChart[] = [
      chart({ x: [], series: [] }),
      chart({ series: [] }),
      chart({ series: [{ name: 'nothing', values: [] }] }),
      chart({ series: [{ name: 'gaps', values: DAYS.map(() => NaN) }] }),
      chart({ x: DAYS.map(() => NaN) }),
      chart({ x: [], series: [], stacked: true }),
      chart({ x: [5], series: [{ name: 'one', values: [7] }] }),
    ]
    for (const c of cases) {
      const svg = renderSvgChart(c)
      expectWellFormed(svg)
      expect(svg).not.toMatch(/NaN|Infinity/)
    }
    expect(renderSvgChart(cases[0] ?? chart())).toContain('>No data</text>')
    expect(renderSvgChart(cases[3] ?? chart())).toContain('>No data</text>')
    // A single point is drawn as a dot, not dropped.
    expect(paths(renderSvgChart(cases[6] ?? chart()))[0]).toMatch(/^M[\d.]+ [\d.]+h0$/)
  })

  it('downsamples a 100,000-point series to the pixel width and keeps its spikes', () => {
    const n = 100_000
    const rng = createSeededRng(3)
    const values = Array.from({ length: n }, () => 40 + 20 * rng.float())
    values[31_337] = 100 // y ticks run 0..100, so the spikes hit the plot's top and bottom
    values[77_777] = 0
    const svg = renderSvgChart(
      chart({ x: Array.from({ length: n }, (_, i) => i), series: [{ name: 'noisy', values }] }),
    )
    expectWellFormed(svg)
    const pts = points(paths(svg)[0] ?? '')
    expect(pts.length).toBeLessThanOrEqual(4 * 705)
    expect(pts.length).toBeGreaterThan(1000)
    const ys = pts.map(([, y]) => y)
    const top = Math.min(...ys)
    const bottom = Math.max(...ys)
    // Only the two spikes reach the extremes: the noise stays in the middle fifth.
    expect(ys.filter((y) => y === top)).toHaveLength(1)
    expect(ys.filter((y) => y === bottom)).toHaveLength(1)
    expect(bottom - top).toBe(300)
    const middle = ys.filter((y) => y !== top && y !== bottom)
    expect(Math.max(...middle) - Math.min(...middle)).toBeLessThanOrEqual(61)
    expect(svg.length).toBeLessThan(120_000)
  })

  it('stacks areas so the bands touch and the top band ends at the total', () => {
    const x = Array.from({ length: 50 }, (_, i) => i)
    const a = x.map((i) => 20 + (i % 10))
    const b = x.map((i) => 30 - (i % 5))
    const c = x.map((_, i) => 100 - (a[i] ?? 0) - (b[i] ?? 0)) // shares of 100
    const svg = renderSvgChart(
      chart({
        id: 'provider-shares',
        stacked: true,
        series: [
          { name: 'a', values: a },
          { name: 'b', values: b },
          { name: 'c', values: c },
        ],
        x,
      }),
    )
    expectWellFormed(svg)
    const bands = paths(svg).map(points)
    expect(bands).toHaveLength(3)
    const upper = (band: [number, number][]): [number, number][] => band.slice(0, band.length / 2)
    const lower = (band: [number, number][]): [number, number][] => band.slice(band.length / 2).reverse()
    // The total is 100 everywhere: the top band's upper edge is one flat line at the axis max, the
    // bottom band's lower edge the baseline 300 px below it.
    const topYs = new Set(upper(bands[2] ?? []).map(([, y]) => y))
    const baseYs = new Set(lower(bands[0] ?? []).map(([, y]) => y))
    expect(topYs.size).toBe(1)
    expect(baseYs.size).toBe(1)
    expect([...baseYs][0]! - [...topYs][0]!).toBe(300)
    expect(lower(bands[1] ?? [])).toEqual(upper(bands[0] ?? []))
    expect(lower(bands[2] ?? [])).toEqual(upper(bands[1] ?? []))
    expect(upper(bands[0] ?? [])).toHaveLength(50)
  })

  it('gives up to 30 series distinct colours', () => {
    const series = Array.from({ length: 30 }, (_, k) => ({ name: `s${k}`, values: DAYS.map((d) => d * k) }))
    const svg = renderSvgChart(chart({ series }))
    expectWellFormed(svg)
    const strokes = [...svg.matchAll(/<path d="[^"]*" fill="none" stroke="([^"]+)"/g)].map((m) => m[1])
    expect(strokes).toHaveLength(30)
    expect(new Set(strokes).size).toBe(30)
  })

  it('rejects ids that are not safe file names, and series of the wrong length, with a coded error', () => {
    for (const id of [
      '',
      '../etc/passwd',
      'a/b',
      'a b',
      '.hidden',
      '-flag',
      'x'.repeat(65),
      'nul\u0000',
      'é',
      'a.svg',
    ])
      expect(() => renderSvgChart(chart({ id })), JSON.stringify(id)).toThrow(
        expect.objectContaining({ code: 'WORLD_REPORT_INVALID_INPUT' }),
      )
    for (const id of ['population', 'provider-shares_2', 'A', 'x'.repeat(64)])
      expect(() => renderSvgChart(chart({ id }))).not.toThrow()
    expect(() => renderSvgChart(chart({ series: [{ name: 'short', values: [1, 2, 3] }] }))).toThrow(
      expect.objectContaining({ code: 'WORLD_REPORT_INVALID_INPUT' }),
    )
  })
})
