import { readFile, rm, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { Option, type Command } from 'commander'
import { createPinoLogger, realSleep, type CliIo, type Logger } from '@dolly/base'
import {
  DEFAULT_DEAD_AFTER_S,
  DEFAULT_IRC_CHANNEL,
  DEFAULT_TRACKER_INTERVAL_S,
  DEFAULT_TRACKER_NICK,
  DEFAULT_VISION_PORT,
  startVision,
  VisionError,
} from '@dolly/vision'
import type { WorldCliEnv } from './env.ts'
import type { WorldState } from '../runtime/world-state.ts'

interface VisionFlags {
  ircServer?: string
  channel: string
  nick: string
  host: string
  port: string
  dataDir?: string
  interval: string
  deadAfter: string
  logLevel: 'debug' | 'info' | 'warn' | 'error'
  json?: boolean
}

/** Port of an `--irc-server` given without one. */
const DEFAULT_IRC_PORT = 6667

/** `host:port`, `host` (port 6667) or `[v6]:port` → host and port; VISION_OPTIONS_INVALID otherwise. */
export function parseIrcServer(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+))(?::(\d{1,5}))?$/.exec(text.trim())
  const host = m?.[1] ?? m?.[2]
  const port = m?.[3] === undefined ? DEFAULT_IRC_PORT : Number(m[3])
  if (host === undefined || port < 1 || port > 65_535)
    throw new VisionError(
      'VISION_OPTIONS_INVALID',
      `--irc-server must be host:port, e.g. 10.78.0.1:6667 (got ${text})`,
      {
        ircServer: text,
      },
    )
  return { host, port }
}

/** A whole number of `flag` in `min..max`; VISION_OPTIONS_INVALID otherwise. */
function wholeNumber(flag: string, text: string, min: number, max: number): number {
  const n = /^\d+$/.test(text.trim()) ? Number(text) : Number.NaN
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new VisionError(
      'VISION_OPTIONS_INVALID',
      `${flag} must be a whole number ${min}..${max} (got ${text})`,
      {
        [flag]: text,
      },
    )
  return n
}

/**
 * Registers `dolly vision`: the tracker (on `--irc-server`, when given) and the web app (AGENT.md
 * §12) until Ctrl-C. `stop`, for tests, ends it like a signal.
 */
export function registerVisionCommand(
  program: Command,
  io: CliIo,
  env: WorldCliEnv,
  stop?: AbortSignal,
): void {
  program
    .command('vision')
    .description('serve the family tree and charts on a web page, fed by an IRC tracker, until Ctrl-C')
    .option(
      '--irc-server <host:port>',
      "the IRC server the agents' bots are on (without it, only stored data is served)",
    )
    .option('--channel <channel>', 'IRC channel (irc.channel)', DEFAULT_IRC_CHANNEL)
    .option('--nick <nick>', "the tracker's nick (a number is appended if it is taken)", DEFAULT_TRACKER_NICK)
    .option('--host <address>', 'address the web app listens on', '0.0.0.0')
    .option('--port <port>', 'web app port (vision.port; 0 picks a free one)', String(DEFAULT_VISION_PORT))
    .option('--data-dir <dir>', 'where vision.sqlite lives and tracker.data is imported from')
    .option(
      '--interval <seconds>',
      'seconds between two rounds of commands (vision.tracker_interval)',
      String(DEFAULT_TRACKER_INTERVAL_S),
    )
    .option(
      '--dead-after <seconds>',
      'seconds of silence after which an agent is dead (vision.dead_after)',
      String(DEFAULT_DEAD_AFTER_S),
    )
    .addOption(
      new Option('--log-level <level>', 'log level on stderr')
        .choices(['debug', 'info', 'warn', 'error'])
        .default('warn'),
    )
    .option('--json', 'machine-readable output')
    .action(async (opts: VisionFlags) => {
      const irc = opts.ircServer === undefined ? undefined : parseIrcServer(opts.ircServer)
      const port = wholeNumber('--port', opts.port, 0, 65_535)
      const trackerIntervalS = wholeNumber('--interval', opts.interval, 15, 86_400)
      const deadAfterS = wholeNumber('--dead-after', opts.deadAfter, 1, 365 * 86_400)
      const dataDir = resolve(opts.dataDir ?? join(dirname(env.defaultWorldDir), 'vision'))
      const logger = createPinoLogger(
        { clock: { nowMs: env.realNowMs, sleep: realSleep } },
        { level: opts.logLevel },
      )
      const vision = await startVision({
        ...(irc === undefined ? {} : { irc }),
        channel: opts.channel,
        nick: opts.nick,
        listenHost: opts.host,
        port,
        dataDir,
        trackerIntervalS,
        deadAfterS,
        logger,
      })
      const ended = new AbortController()
      const onSignal = (): void => ended.abort()
      process.once('SIGINT', onSignal)
      process.once('SIGTERM', onSignal)
      stop?.addEventListener('abort', onSignal)
      try {
        const tracker =
          irc === undefined
            ? null
            : { server: `${irc.host}:${irc.port}`, channel: opts.channel, nick: opts.nick }
        if (opts.json === true)
          io.out(JSON.stringify({ event: 'serving', url: vision.url, tracker, dataDir }))
        else
          io.out(
            `vision: serving ${vision.url} (${tracker === null ? 'no tracker' : `tracker ${tracker.nick} on ${tracker.server} ${tracker.channel}`}, data in ${dataDir}). Ctrl-C stops it.`,
          )
        if (!ended.signal.aborted && stop?.aborted !== true)
          await new Promise<void>((done) => ended.signal.addEventListener('abort', () => done()))
      } finally {
        process.off('SIGINT', onSignal)
        process.off('SIGTERM', onSignal)
        await vision.close()
        io.out(opts.json === true ? JSON.stringify({ event: 'stopped' }) : 'vision: stopped.')
      }
    })
}

/** Real seconds between the world tracker's rounds of questions (the original: 600). */
export const WORLD_TRACKER_INTERVAL_S = 30

/** File in the world directory that tells `dolly world status` where the world's Vision serves. */
const WORLD_VISION_FILE = 'vision.json'

/**
 * The world's IRC server as Vision on this machine reaches it (`irc.localHost`, `irc.port`,
 * `irc.channel` of the world's state), or undefined for a world that runs none.
 */
export function worldIrcAddress(
  state: Pick<WorldState, 'irc'> | undefined,
): { host: string; port: number; channel: string } | undefined {
  const irc = state?.irc
  // Vision runs on this machine: it reaches ngircd on loopback, where agents in hosts use the bridge.
  return irc === undefined ? undefined : { host: irc.localHost, port: irc.port, channel: irc.channel }
}

/**
 * Starts Vision for a running world (`dolly world up --vision`): its tracker on the world's IRC
 * server, its data in `<world dir>/vision`, and its URL published in `<world dir>/vision.json` for
 * `dolly world status`. `close` stops it and removes the file.
 */
export async function startWorldVision(options: {
  readonly dir: string
  readonly irc: { host: string; port: number; channel: string } | undefined
  readonly port: number
  readonly logger: Logger
}): Promise<{ url: string; close(): Promise<void> }> {
  const vision = await startVision({
    ...(options.irc === undefined
      ? {}
      : { irc: { host: options.irc.host, port: options.irc.port }, channel: options.irc.channel }),
    port: options.port,
    // A world runs hundreds to thousands of times faster than real time: the original's 600 s between
    // rounds would be weeks of world time, so a world's tracker asks every 30 real seconds and calls an
    // agent dead after six silent rounds.
    trackerIntervalS: WORLD_TRACKER_INTERVAL_S,
    deadAfterS: 6 * WORLD_TRACKER_INTERVAL_S,
    dataDir: join(options.dir, 'vision'),
    logger: options.logger,
  })
  const file = join(options.dir, WORLD_VISION_FILE)
  await writeFile(file, `${JSON.stringify({ url: vision.url, tracker: options.irc ?? null })}\n`)
  return {
    url: vision.url,
    async close() {
      await rm(file, { force: true })
      await vision.close()
    },
  }
}

/** The URL the world's Vision serves on, or undefined when `world up` was not given `--vision`. */
export async function readWorldVisionUrl(dir: string): Promise<string | undefined> {
  const text = await readFile(join(dir, WORLD_VISION_FILE), 'utf8').catch(() => undefined)
  if (text === undefined) return undefined
  try {
    const url = (JSON.parse(text) as { url?: unknown }).url
    return typeof url === 'string' ? url : undefined
  } catch {
    return undefined
  }
}

/** Parses `--vision-port` (0..65535). */
export function visionPort(text: string): number {
  return wholeNumber('--vision-port', text, 0, 65_535)
}
