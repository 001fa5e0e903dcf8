import { mkdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { Core } from 'cytoscape'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startVision, type Observation, type VisionHandle } from '../../src/index.ts'

/**
 * Vision's page in a real browser (Debian's chromium through playwright-core, headless): it loads
 * with no console error, draws the family tree with the right edges, shows a node's chart on a
 * click, and adds a new child live when the store records it, without reloading. The screenshot is
 * kept in `<repo>/tmp/out/` (git-ignored).
 */

// The page's globals, as far as the functions run in the page use them (tsconfig has no DOM lib).
declare const window: {
  vision?: { cy: Core; refreshed: number; state: { chart: { data: number[][] } } }
  marker?: number
}
declare const document: {
  getElementById(
    id: string,
  ): { textContent: string | null; getBoundingClientRect(): { left: number; top: number } } | null
}

const OUT_DIR = fileURLToPath(new URL('../../../../tmp/out/', import.meta.url))
let vision: VisionHandle
let browser: Browser
let page: Page
const consoleErrors: string[] = []

const general = (atMs: number, nick: string, tree: string, host = 'linevast'): Observation => ({
  kind: 'general',
  atMs,
  nick,
  general: { host, option: 'Basic', vpn: false, tree, exitnode: false },
})

interface PageView {
  nodes: string[]
  edges: string[]
  labels: Record<string, string>
}

const view = (): Promise<PageView> =>
  page.evaluate(() => {
    const cy = (window.vision as { cy: Core }).cy
    return {
      nodes: cy
        .nodes()
        .map((n) => n.id())
        .sort(),
      edges: cy
        .edges()
        .map((e) => `${e.source().id()}>${e.target().id()}`)
        .sort(),
      labels: Object.fromEntries(cy.nodes().map((n) => [n.id(), String(n.data('label'))])),
    }
  })

beforeAll(async () => {
  vision = await startVision({ listenHost: '127.0.0.1', port: 0 })
  const now = Date.now()
  vision.store.add(general(now - 120_000, 'plebbot1001', 'plebbot1001'))
  vision.store.add(general(now - 90_000, 'plebbot2002', 'plebbot1001.0', 'BlueAngelHost'))
  vision.store.add(general(now - 60_000, 'plebbot3003', 'plebbot1001.0.1', 'twosync'))
  vision.store.add(general(now - 30_000, 'plebbot4004', 'plebbot1001.1'))
  for (const [i, value] of [10, 25, 40, 70].entries())
    vision.store.add({
      kind: 'metric',
      atMs: now - 90_000 + i * 20_000,
      nick: 'plebbot2002',
      metric: 'uploaded',
      value,
    })
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox'],
  })
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text())
  })
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`))
  page.on('requestfailed', (r) => consoleErrors.push(`request failed: ${r.url()}`))
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await vision?.close()
})

describe('Vision in a real browser', () => {
  it('loads with no console error and draws the tree with its three edges', async () => {
    await page.goto(vision.url)
    await page.waitForFunction(() => (window.vision?.refreshed ?? 0) >= 1)
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'live')
    const v = await view()
    expect(v.nodes).toEqual(['plebbot1001', 'plebbot1001.0', 'plebbot1001.0.1', 'plebbot1001.1'])
    expect(v.edges).toEqual([
      'plebbot1001.0>plebbot1001.0.1',
      'plebbot1001>plebbot1001.0',
      'plebbot1001>plebbot1001.1',
    ])
    expect(v.labels['plebbot1001.0']).toBe('plebbot2002 (blueangelhost)')
    // The fleet charts are drawn.
    expect(await page.locator('#fleet .uplot').count()).toBe(2)
    expect(consoleErrors).toEqual([])
  }, 30_000)

  it("shows a node's chart when it is clicked", async () => {
    const at = await page.evaluate(() => {
      const cy = (window.vision as { cy: Core }).cy
      const p = cy.getElementById('plebbot1001.0').renderedPosition()
      const box = document.getElementById('graph')?.getBoundingClientRect() ?? { left: 0, top: 0 }
      return { x: box.left + p.x, y: box.top + p.y }
    })
    await page.mouse.click(at.x, at.y)
    await page.waitForSelector('#chart .uplot')
    expect(await page.textContent('#selected')).toBe('plebbot1001.0 — uploaded')
    const plotted = await page.evaluate(() => window.vision?.state.chart.data[1])
    expect(plotted).toEqual([10, 25, 40, 70])
    await page.click('#info-button')
    await page.waitForFunction(() =>
      (document.getElementById('info')?.textContent ?? '').includes('"children": 1'),
    )
    expect(JSON.parse((await page.textContent('#info')) ?? '{}')).toMatchObject({
      id: 'plebbot1001.0',
      nick: 'plebbot2002',
      host: 'BlueAngelHost',
    })
    expect(consoleErrors).toEqual([])
  }, 30_000)

  it('adds a new child live, without reloading', async () => {
    await page.evaluate(() => (window.marker = 42))
    vision.store.add(general(Date.now(), 'plebbot5005', 'plebbot1001.0.2', 'proxhost'))
    await page.waitForFunction(
      () => (window.vision as { cy: Core }).cy.getElementById('plebbot1001.0.2').nonempty(),
      undefined,
      { timeout: 10_000 },
    )
    const v = await view()
    expect(v.edges).toContain('plebbot1001.0>plebbot1001.0.2')
    expect(v.edges).toHaveLength(4)
    expect(v.labels['plebbot1001.0.2']).toBe('plebbot5005 (proxhost)')
    // Same document: the marker set before is still there.
    expect(await page.evaluate(() => window.marker)).toBe(42)
    // The open info panel followed: plebbot1001.0 now has two children.
    await page.waitForFunction(() =>
      (document.getElementById('info')?.textContent ?? '').includes('"children": 2'),
    )
    await mkdir(OUT_DIR, { recursive: true })
    const shot = `${OUT_DIR}vision-browser.png`
    await page.screenshot({ path: shot, fullPage: true })
    console.log(`vision-browser: screenshot saved to ${shot}`)
    expect(consoleErrors).toEqual([])
  }, 30_000)
})
