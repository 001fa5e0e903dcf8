import { createVirtualClock } from '@dolly/base'
import { describe, expect, it } from 'vitest'
import { createVisionApp, type VisionAssets } from './app.ts'
import type { Observation } from './observation.ts'
import { createLiveStore, createMemoryStore } from './store.ts'
import { parseStamp } from './time-format.ts'

const T0 = parseStamp('2026-12-03 12:00:00.000') ?? 0
const ASSETS: VisionAssets = {
  cytoscapeJs: '/* cytoscape */',
  uplotJs: '/* uplot */',
  uplotCss: '/* css */',
  clientJs: '/* client */',
}

const general = (atMs: number, nick: string, tree: string, host = 'linevast'): Observation => ({
  kind: 'general',
  atMs,
  nick,
  general: { host, option: 'Basic', vpn: false, tree, exitnode: false },
})

function setup() {
  const clock = createVirtualClock(T0 + 60_000)
  const store = createLiveStore(createMemoryStore())
  store.add(general(T0, 'plebbot1', 'P'))
  store.add(general(T0 + 1000, 'plebbot2', 'P.0', 'BlueAngelHost'))
  store.add(general(T0 + 2000, 'plebbot3', 'P.0.1'))
  store.add(general(T0 + 3000, 'plebbot4', 'P.1'))
  store.add({ kind: 'metric', atMs: T0, nick: 'plebbot2', metric: 'uploaded', value: 10 })
  store.add({ kind: 'metric', atMs: T0 + 600_000, nick: 'plebbot2', metric: 'uploaded', value: 25.5 })
  const app = createVisionApp(
    { store, clock, assets: ASSETS },
    { deadAfterMs: 1_800_000, keepAliveMs: 15_000 },
  )
  return { app, store, clock }
}

describe('Vision web app routes (§12)', () => {
  it('GET / is the page, loading its scripts from the app itself, nothing from outside', async () => {
    const res = await setup().app.request('/')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/html')
    const html = await res.text()
    for (const m of ['uploaded', 'downloaded', 'MB_balance', 'BTC_balance', 'matchmakers', 'Info'])
      expect(html).toContain(m)
    const srcs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1])
    expect(srcs).toEqual([
      'data:,',
      '/assets/uPlot.min.css',
      '/assets/cytoscape.min.js',
      '/assets/uPlot.iife.min.js',
      '/assets/vision.js',
    ])
    expect(html).not.toMatch(/https?:\/\//)
  })

  it('serves the assets it was given', async () => {
    const { app } = setup()
    for (const [path, body, type] of [
      ['/assets/cytoscape.min.js', '/* cytoscape */', 'text/javascript'],
      ['/assets/uPlot.iife.min.js', '/* uplot */', 'text/javascript'],
      ['/assets/uPlot.min.css', '/* css */', 'text/css'],
      ['/assets/vision.js', '/* client */', 'text/javascript'],
    ] as const) {
      const res = await app.request(path)
      expect(res.status, path).toBe(200)
      expect(res.headers.get('content-type')).toContain(type)
      expect(await res.text()).toBe(body)
    }
  })

  it('GET /network gives nodes keyed by tree path and parent → child edges', async () => {
    const body = (await (await setup().app.request('/network')).json()) as {
      nodes: { id: string; label: string; group: string }[]
      edges: { from: string; to: string }[]
    }
    expect(body.nodes.map((n) => [n.id, n.label, n.group])).toEqual([
      ['P', 'plebbot1 (linevast)', 'linevast'],
      ['P.0', 'plebbot2 (blueangelhost)', 'blueangelhost'],
      ['P.1', 'plebbot4 (linevast)', 'linevast'],
      ['P.0.1', 'plebbot3 (linevast)', 'linevast'],
    ])
    expect(body.edges).toEqual([
      { from: 'P', to: 'P.0' },
      { from: 'P', to: 'P.1' },
      { from: 'P.0', to: 'P.0.1' },
    ])
  })

  it('GET /node/<key>/<metric> by nick or tree path gives [{x, y}]', async () => {
    const { app } = setup()
    const expected = [
      { x: '2026-12-03 12:00:00.000', y: 10 },
      { x: '2026-12-03 12:10:00.000', y: 25.5 },
    ]
    expect(await (await app.request('/node/plebbot2/uploaded')).json()).toEqual(expected)
    expect(await (await app.request('/node/P.0/uploaded')).json()).toEqual(expected)
    expect(await (await app.request('/node/P.0/downloaded')).json()).toEqual([])
  })

  it('answers 404 with a code for an unknown node or metric', async () => {
    const { app } = setup()
    const unknownNode = await app.request('/node/nobody/uploaded')
    expect(unknownNode.status).toBe(404)
    expect(await unknownNode.json()).toMatchObject({ code: 'VISION_NODE_UNKNOWN' })
    const unknownMetric = await app.request('/node/P/jokes')
    expect(unknownMetric.status).toBe(404)
    expect(await unknownMetric.json()).toMatchObject({ code: 'VISION_METRIC_UNKNOWN' })
    const info = await app.request('/node/P.7/info')
    expect(info.status).toBe(404)
    expect((await app.request('/nothing')).status).toBe(404)
  })

  it('GET /node/<key>/info gives id, children, nick, dead, host, exitnode, vpn', async () => {
    const { app, clock } = setup()
    expect(await (await app.request('/node/P/info')).json()).toEqual({
      id: 'P',
      children: 2,
      nick: 'plebbot1',
      dead: false,
      host: 'linevast',
      exitnode: false,
      vpn: false,
    })
    expect(await (await app.request('/node/plebbot3/info')).json()).toMatchObject({
      id: 'P.0.1',
      children: 0,
    })
    await clock.advance(1_800_000)
    expect(await (await app.request('/node/P/info')).json()).toMatchObject({ dead: true })
  })

  it('GET /fleet gives population and births and deaths over time', async () => {
    const { app, store } = setup()
    store.add({ kind: 'goodbye', atMs: T0 + 30_000, nick: 'plebbot4', tree: 'P.1' })
    const body = (await (await app.request('/fleet')).json()) as Record<string, { x: string; y: number }[]>
    expect(body['population']?.map((p) => p.y)).toEqual([1, 2, 3, 4, 3, 3])
    expect(body['births']?.at(-1)).toEqual({ x: '2026-12-03 12:01:00.000', y: 4 })
    expect(body['deaths']?.at(-1)?.y).toBe(1)
  })

  it('GET /shownodes dumps the tree', async () => {
    const text = await (await setup().app.request('/shownodes')).text()
    expect(text).toContain('4 nodes, 3 edges')
    expect(text).toContain('    P.0.1 plebbot3 group=linevast children=0')
  })

  it('GET /events streams one event per stored observation', async () => {
    const { app, store } = setup()
    const controller = new AbortController()
    const res = await app.request('/events', { signal: controller.signal })
    expect(res.headers.get('content-type')).toBe('text/event-stream')
    const reader = (res.body as ReadableStream<Uint8Array>).getReader()
    const decoder = new TextDecoder()
    let text = decoder.decode((await reader.read()).value)
    expect(text).toContain('retry: 2000')
    store.add(general(T0 + 5000, 'plebbot5', 'P.0.2'))
    while (!text.includes('event: observation')) text += decoder.decode((await reader.read()).value)
    const data = /data: (.*)\n/.exec(text)?.[1] ?? ''
    expect(JSON.parse(data)).toEqual({
      kind: 'general',
      nick: 'plebbot5',
      tree: 'P.0.2',
      metric: null,
      at: '2026-12-03 12:00:05.000',
    })
    await reader.cancel()
    // A cancelled stream no longer listens: adding more must not throw.
    store.add(general(T0 + 6000, 'plebbot6', 'P.0.3'))
  })
})
