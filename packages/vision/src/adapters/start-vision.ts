import { mkdir } from 'node:fs/promises'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { serve } from '@hono/node-server'
import { createNullLogger, createSystemClock, type Clock, type Logger } from '@dolly/base'
import { createVisionApp } from '../app.ts'
import {
  DEFAULT_COMMAND_GAP_MS,
  DEFAULT_DEAD_AFTER_S,
  DEFAULT_IRC_CHANNEL,
  DEFAULT_JOIN_WAIT_MS,
  DEFAULT_TRACKER_INTERVAL_S,
  DEFAULT_TRACKER_NICK,
  DEFAULT_VISION_PORT,
} from '../constants.ts'
import { VisionError } from '../errors.ts'
import { createLiveStore, createMemoryStore, type LiveStore, type VisionStore } from '../store.ts'
import { createTracker } from '../tracker.ts'
import { loadVisionAssets } from './assets.ts'
import { connectIrc, type IrcConnection } from './irc-client.ts'
import { openSqliteStore } from './sqlite-store.ts'
import { importTrackerData } from './tracker-data-file.ts'

/** Options of `startVision`; everything but `irc` has the §12 default. */
export interface StartVisionOptions {
  /** The IRC server the tracker joins; without it Vision serves what its store holds (no tracker). */
  readonly irc?: { readonly host: string; readonly port: number }
  readonly channel?: string
  /** The tracker's nick (default `watcher`; a number is appended if it is taken). */
  readonly nick?: string
  /** Web app address (default 0.0.0.0). */
  readonly listenHost?: string
  /** Web app port (default 5500; 0 picks a free one). */
  readonly port?: number
  /** Directory of `vision.sqlite` and the legacy `tracker.data` it imports; without it, an in-memory store. */
  readonly dataDir?: string
  /** Seconds between two rounds of commands (`vision.tracker_interval`, default 600). */
  readonly trackerIntervalS?: number
  /** Seconds of silence after which a node is dead (`vision.dead_after`, default 1800). */
  readonly deadAfterS?: number
  /** Wait after joining before the first round (default 20 s). */
  readonly joinWaitMs?: number
  /** Gap between two commands of a round (default 2 s). */
  readonly commandGapMs?: number
  readonly logger?: Logger
  readonly clock?: Clock
}

/** A running Vision. */
export interface VisionHandle {
  /** The page's URL, e.g. `http://127.0.0.1:5500/`. */
  readonly url: string
  readonly port: number
  /** The store the tracker writes and the app reads (tests may add to it). */
  readonly store: LiveStore
  /** Stops the tracker, the IRC connection and the web server, and closes the store (idempotent). */
  close(): Promise<void>
}

/** Key of the `tracker.data` byte offset already imported. */
const TRACKER_DATA_OFFSET = 'tracker_data_offset'
/** Idle event streams get a comment line this often. */
const KEEP_ALIVE_MS = 15_000

function checkOptions(o: StartVisionOptions): void {
  const bad = (what: string, value: unknown): never => {
    throw new VisionError('VISION_OPTIONS_INVALID', `${what} (got ${String(value)})`, {
      [what]: String(value),
    })
  }
  const port = o.port ?? DEFAULT_VISION_PORT
  if (!Number.isInteger(port) || port < 0 || port > 65_535) bad('port must be an integer 0..65535', port)
  if (o.irc !== undefined) {
    if (o.irc.host.trim() === '') bad('the IRC host must not be empty', o.irc.host)
    if (!Number.isInteger(o.irc.port) || o.irc.port < 1 || o.irc.port > 65_535)
      bad('the IRC port must be an integer 1..65535', o.irc.port)
  }
  const channel = o.channel ?? DEFAULT_IRC_CHANNEL
  if (!/^[#&][^\s,\x07]{1,49}$/.test(channel))
    bad('the channel must start with # or & and have no spaces', channel)
  const nick = o.nick ?? DEFAULT_TRACKER_NICK
  if (!/^[A-Za-z_[\]\\^{}|`][A-Za-z0-9_\-[\]\\^{}|`]{0,29}$/.test(nick))
    bad('the nick is not an IRC nick', nick)
  const interval = o.trackerIntervalS ?? DEFAULT_TRACKER_INTERVAL_S
  if (!(interval > 0 && interval <= 86_400)) bad('the tracker interval must be 0 < s <= 86400', interval)
  const dead = o.deadAfterS ?? DEFAULT_DEAD_AFTER_S
  if (!(dead > 0)) bad('dead-after must be positive', dead)
  for (const [what, v] of [
    ['joinWaitMs', o.joinWaitMs],
    ['commandGapMs', o.commandGapMs],
  ] as const)
    if (v !== undefined && !(v >= 0 && v <= 3_600_000)) bad(`${what} must be 0..3600000`, v)
}

/**
 * Starts Vision (AGENT.md §12): opens the store (importing `tracker.data` lines not yet imported),
 * starts the tracker on the IRC server when one is given, and serves the web app.
 *
 * @throws VisionError VISION_OPTIONS_INVALID for bad options, VISION_LISTEN_FAILED when the port
 *   cannot be bound, VISION_STORE_FAILED when the database cannot be opened.
 */
export async function startVision(options: StartVisionOptions = {}): Promise<VisionHandle> {
  checkOptions(options)
  const logger = (options.logger ?? createNullLogger()).child({ component: 'vision' })
  const clock = options.clock ?? createSystemClock()
  const channel = options.channel ?? DEFAULT_IRC_CHANNEL
  const nick = options.nick ?? DEFAULT_TRACKER_NICK
  const deadAfterMs = (options.deadAfterS ?? DEFAULT_DEAD_AFTER_S) * 1000

  let base: VisionStore
  if (options.dataDir === undefined) base = createMemoryStore()
  else {
    await mkdir(options.dataDir, { recursive: true })
    const sqlite = openSqliteStore(join(options.dataDir, 'vision.sqlite'))
    const from = Number(sqlite.getMeta(TRACKER_DATA_OFFSET) ?? '0')
    const path = join(options.dataDir, 'tracker.data')
    const imported = await importTrackerData(path, sqlite, logger, Number.isSafeInteger(from) ? from : 0)
    sqlite.setMeta(TRACKER_DATA_OFFSET, String(imported.endOffset))
    if (imported.imported + imported.rejected > 0)
      logger.info('vision.tracker_data_imported', { path, ...imported })
    base = sqlite
  }
  const store = createLiveStore(base)
  const assets = await loadVisionAssets()
  const app = createVisionApp({ store, clock, assets }, { deadAfterMs, keepAliveMs: KEEP_ALIVE_MS })

  const host = options.listenHost ?? '0.0.0.0'
  const { promise, resolve, reject } = Promise.withResolvers<AddressInfo>()
  const server = serve(
    { fetch: app.fetch, hostname: host, port: options.port ?? DEFAULT_VISION_PORT },
    (info) => resolve(info),
  ) as Server
  server.once('error', (err) =>
    reject(
      new VisionError(
        'VISION_LISTEN_FAILED',
        `cannot serve Vision on ${host}:${options.port ?? DEFAULT_VISION_PORT}: ${err.message}; pick another --port`,
        { host, port: options.port ?? DEFAULT_VISION_PORT },
        { cause: err },
      ),
    ),
  )
  let info: AddressInfo
  try {
    info = await promise
  } catch (err) {
    store.close()
    throw err
  }
  const shownHost =
    host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host
  const url = `http://${shownHost}:${info.port}/`
  logger.info('vision.listening', { url })

  const stop = new AbortController()
  let irc: IrcConnection | undefined
  if (options.irc !== undefined) {
    const ircAddress = options.irc
    // The tracker and its connection need each other: replies go to the tracker, commands to IRC.
    const inbox: { tracker?: ReturnType<typeof createTracker> } = {}
    const connection = connectIrc({
      host: ircAddress.host,
      port: ircAddress.port,
      nick,
      channel,
      logger,
      onPrivmsg: (m) => inbox.tracker?.onPrivmsg(m),
    })
    irc = connection
    const running = createTracker(
      { clock, irc: connection, store, logger },
      {
        channel,
        nick,
        intervalMs: (options.trackerIntervalS ?? DEFAULT_TRACKER_INTERVAL_S) * 1000,
        commandGapMs: options.commandGapMs ?? DEFAULT_COMMAND_GAP_MS,
        joinWaitMs: options.joinWaitMs ?? DEFAULT_JOIN_WAIT_MS,
      },
    )
    inbox.tracker = running
    void (async () => {
      const aborted = new Promise<void>((done) => stop.signal.addEventListener('abort', () => done()))
      await Promise.race([connection.joined, aborted])
      if (stop.signal.aborted) return
      await running.run({ signal: stop.signal }).catch((err: unknown) => {
        if (!stop.signal.aborted) logger.error('vision.tracker_failed', { error: err })
      })
    })()
  }

  let closing: Promise<void> | undefined
  return {
    url,
    port: info.port,
    store,
    close() {
      closing ??= (async () => {
        stop.abort()
        await irc?.close()
        await new Promise<void>((done) => {
          server.close(() => done())
          server.closeAllConnections()
        })
        store.close()
      })()
      return closing
    },
  }
}
