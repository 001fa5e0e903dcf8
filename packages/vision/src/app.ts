import { Hono, type Context } from 'hono'
import { errorCode, type Clock } from '@dolly/base'
import { isMetricName, MAX_SERIES_POINTS } from './constants.ts'
import { VisionError, type VisionErrorCode } from './errors.ts'
import { buildNetwork, nodeInfo, resolveKey, showNodes } from './family-tree.ts'
import { fleetSeries } from './fleet.ts'
import type { Observation } from './observation.ts'
import type { LiveStore } from './store.ts'
import { formatStamp } from './time-format.ts'
import { renderPage } from './web/page.ts'

/** The browser files the page loads, served by the app itself (no CDN). */
export interface VisionAssets {
  readonly cytoscapeJs: string
  readonly uplotJs: string
  readonly uplotCss: string
  /** The page's own script (web/client.js). */
  readonly clientJs: string
}

/** Ports of the web app. */
export interface VisionAppDeps {
  readonly store: LiveStore
  readonly clock: Clock
  readonly assets: VisionAssets
}

/** Options of the web app. */
export interface VisionAppOptions {
  /** A node silent this long is dead (`vision.dead_after`). */
  readonly deadAfterMs: number
  /** Comment line sent on an idle event stream this often, so proxies keep it open. */
  readonly keepAliveMs: number
}

/** HTTP status of each code a route can end on: the one place codes become statuses (STYLE.md §2). */
const STATUS: Partial<Record<VisionErrorCode, 400 | 404>> = {
  VISION_NODE_UNKNOWN: 404,
  VISION_METRIC_UNKNOWN: 404,
  VISION_TREE_INVALID: 400,
  VISION_OPTIONS_INVALID: 400,
}

/** The data of one server-sent event for an observation (what the page needs to refresh). */
function eventOf(o: Observation): string {
  const tree = o.kind === 'general' ? o.general.tree : o.kind === 'goodbye' ? o.tree : null
  const metric = o.kind === 'metric' ? o.metric : null
  return `event: observation\ndata: ${JSON.stringify({ kind: o.kind, nick: o.nick, tree, metric, at: formatStamp(o.atMs) })}\n\n`
}

/**
 * The Vision web app (§12) as a `Request → Response` function: the page, its assets, `/network`,
 * `/fleet`, `/node/<key>/<metric>`, `/node/<key>/info`, `/shownodes` and `/events` (server-sent
 * events, one per stored observation, for live updates without reloading).
 */
export function createVisionApp(deps: VisionAppDeps, options: VisionAppOptions): Hono {
  const { store, clock, assets } = deps
  const app = new Hono()
  const now = (): number => clock.nowMs()
  const asset = (c: Context, body: string, type: string): Response =>
    c.body(body, 200, { 'content-type': type, 'cache-control': 'max-age=3600' })

  app.get('/', (c) => c.html(renderPage()))
  app.get('/assets/cytoscape.min.js', (c) => asset(c, assets.cytoscapeJs, 'text/javascript; charset=utf-8'))
  app.get('/assets/uPlot.iife.min.js', (c) => asset(c, assets.uplotJs, 'text/javascript; charset=utf-8'))
  app.get('/assets/uPlot.min.css', (c) => asset(c, assets.uplotCss, 'text/css; charset=utf-8'))
  app.get('/assets/vision.js', (c) => asset(c, assets.clientJs, 'text/javascript; charset=utf-8'))

  app.get('/network', (c) => c.json(buildNetwork(store.nodes(), now(), options.deadAfterMs)))
  app.get('/fleet', (c) => {
    const f = fleetSeries(store.nodes(), now(), options.deadAfterMs)
    const xy = (ps: readonly { atMs: number; value: number }[]): { x: string; y: number }[] =>
      ps.map((p) => ({ x: formatStamp(p.atMs), y: p.value }))
    return c.json({ population: xy(f.population), births: xy(f.births), deaths: xy(f.deaths) })
  })
  app.get('/shownodes', (c) => c.text(showNodes(store.nodes(), now(), options.deadAfterMs)))
  app.get('/node/:key/info', (c) => {
    const key = c.req.param('key')
    const records = store.nodes()
    const tree = resolveKey(records, key)?.tree ?? key
    const info = nodeInfo(records, tree, now(), options.deadAfterMs)
    if (info === undefined)
      throw new VisionError('VISION_NODE_UNKNOWN', `no node ${key} in the family tree (see /shownodes)`, {
        key,
      })
    return c.json(info)
  })
  app.get('/node/:key/:metric', (c) => {
    const key = c.req.param('key')
    const metric = c.req.param('metric')
    if (!isMetricName(metric))
      throw new VisionError(
        'VISION_METRIC_UNKNOWN',
        `no metric ${metric}; try uploaded, MB_balance, BTC_balance`,
        {
          metric,
        },
      )
    const node = resolveKey(store.nodes(), key)
    const nick = node?.nick ?? key
    const points = store.series(nick, metric, MAX_SERIES_POINTS)
    if (node === undefined && points.length === 0)
      throw new VisionError('VISION_NODE_UNKNOWN', `no node or nick ${key} has reported ${metric}`, {
        key,
        metric,
      })
    return c.json(points.map((p) => ({ x: formatStamp(p.atMs), y: p.value })))
  })
  app.get('/events', (c) => {
    const stop = new AbortController()
    let unsubscribe = (): void => {}
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        const encoder = new TextEncoder()
        // A client gone without a cancel must not break the store's add (the tracker's recording).
        const send = (text: string): void => {
          if (stop.signal.aborted) return
          try {
            controller.enqueue(encoder.encode(text))
          } catch {
            stop.abort()
            unsubscribe()
          }
        }
        send('retry: 2000\n: vision\n\n')
        unsubscribe = store.subscribe((o) => send(eventOf(o)))
        void (async () => {
          for (;;) {
            try {
              await clock.sleep(options.keepAliveMs, { signal: stop.signal })
            } catch {
              return
            }
            send(': keep-alive\n\n')
          }
        })()
        c.req.raw.signal.addEventListener('abort', () => {
          stop.abort()
          unsubscribe()
        })
      },
      cancel() {
        stop.abort()
        unsubscribe()
      },
    })
    return new Response(stream, {
      headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' },
    })
  })

  app.notFound((c) => c.json({ code: 'VISION_NOT_FOUND', message: `no route ${c.req.path}` }, 404))
  app.onError((err, c) => {
    const code = errorCode(err)
    const status = (code !== undefined && STATUS[code as VisionErrorCode]) || 500
    return c.json({ code: code ?? 'VISION_INTERNAL', message: err.message }, status)
  })
  return app
}
