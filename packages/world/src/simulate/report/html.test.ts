import { describe, expect, it } from 'vitest'
import { renderReportHtml } from './html.ts'
import type { ReportInput } from './types.ts'
import { checkWellFormed } from './well-formed.ts'

const DAYS = Array.from({ length: 30 }, (_, i) => i)

function report(overrides: Partial<ReportInput> = {}): ReportInput {
  return {
    title: 'Fleet simulation',
    subtitle: 'seed 1 · 100 agents · 30 days',
    facts: [
      { label: 'Births', value: '412' },
      { label: 'Deaths', value: '97' },
    ],
    charts: [
      {
        id: 'population',
        title: 'Population',
        xLabel: 'day',
        yLabel: 'agents',
        x: DAYS,
        series: [{ name: 'alive', values: DAYS.map((d) => 100 + d) }],
      },
      {
        id: 'provider-shares',
        title: 'Provider shares',
        xLabel: 'day',
        yLabel: 'share of servers',
        x: DAYS,
        stacked: true,
        series: [
          { name: 'linevast', values: DAYS.map((d) => 0.5 - d / 100) },
          { name: 'blueangelhost', values: DAYS.map((d) => 0.5 + d / 100) },
        ],
      },
    ],
    tables: [
      {
        title: 'Deaths by cause',
        columns: ['cause', 'count'],
        rows: [
          ['out of money', 80],
          ['banned', 17],
        ],
      },
    ],
    ...overrides,
  }
}

describe('renderReportHtml', () => {
  it('is one self-contained page that parses as XML, with every chart inline and labelled', () => {
    const html = renderReportHtml(report())
    const parsed = checkWellFormed(html)
    expect(parsed).toMatchObject({ ok: true, root: 'html' })
    const elements = parsed.ok ? parsed.elements : []
    expect(elements.filter((e) => e === 'svg')).toHaveLength(2)
    expect(elements.filter((e) => e === 'figure')).toHaveLength(2)
    expect(elements).toContain('table')
    expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true)
    expect(html).toContain('<meta charset="utf-8"/>')
    expect(html).toContain('<title>Fleet simulation</title>')
    expect(html).toContain('<dt>Births</dt><dd>412</dd>')
    expect(html).toContain('id="chart-population"')
    expect(html).toContain('id="chart-provider-shares-desc"')
    expect(html).toContain('<td>out of money</td><td class="num">80</td>')
  })

  it('loads nothing and runs nothing: no script, URL, link, font or image, and a CSP that forbids them', () => {
    const html = renderReportHtml(report())
    expect(html).not.toMatch(/<script|https?:|href|src=|url\(|@import|@font-face|<link|<img|<iframe|<object/i)
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`)
  })

  it('escapes every text of the page', () => {
    const evil = '<script>alert(1)</script> & </table>'
    const html = renderReportHtml(
      report({
        title: evil,
        subtitle: evil,
        facts: [{ label: evil, value: evil }],
        tables: [{ title: evil, columns: [evil], rows: [[evil], [NaN], [-Infinity]] }],
      }),
    )
    const parsed = checkWellFormed(html)
    expect(parsed.ok).toBe(true)
    expect(parsed.ok && parsed.elements).not.toContain('script')
    expect(html).not.toContain('<script')
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;/table&gt;')
    expect(html).toContain('<td class="num">NaN</td>')
    expect(html).toContain('<td class="num">-∞</td>')
  })

  it('gives the same bytes for the same input', () => {
    expect(renderReportHtml(structuredClone(report()))).toBe(renderReportHtml(report()))
    expect(renderReportHtml(report({ subtitle: 'seed 2' }))).not.toBe(renderReportHtml(report()))
  })

  it('renders an empty report', () => {
    const html = renderReportHtml({ title: '', subtitle: '', facts: [], charts: [], tables: [] })
    expect(checkWellFormed(html)).toMatchObject({ ok: true, root: 'html' })
  })

  it('rejects bad ids, two charts with one file name, and ragged table rows', () => {
    const [population] = report().charts
    if (population === undefined) throw new Error('fixture')
    const bad: ReportInput[] = [
      report({ charts: [{ ...population, id: '../index' }] }),
      report({ charts: [population, { ...population, id: 'Population' }] }),
      report({ tables: [{ title: 't', columns: ['a', 'b'], rows: [['x']] }] }),
    ]
    for (const input of bad)
      expect(() => renderReportHtml(input)).toThrow(
        expect.objectContaining({ code: 'WORLD_REPORT_INVALID_INPUT' }),
      )
  })
})
