import { spawn, type ChildProcess } from 'node:child_process'
import { openSync, closeSync } from 'node:fs'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { connect, createServer, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { createNullLogger, realSleep, type Logger } from '@dolly/base'
import { isAlive } from '../../chain/adapters/litecoind.ts'
import { WorldError } from '../../errors.ts'
import { ngircdConfigText, WORLD_IRC_CHANNEL } from '../ngircd-config.ts'

/** Debian's ngIRCd (the setup script installs the `ngircd` package). */
export const NGIRCD_PATH = '/usr/sbin/ngircd'
/** How long the server may take to listen, and to stop. */
const START_TIMEOUT_MS = 10_000
const STOP_TIMEOUT_MS = 5_000

/** Files of the world's IRC server under its directory. */
export function ircPaths(dir: string): { dir: string; config: string; pid: string; log: string } {
  return {
    dir,
    config: join(dir, 'ngircd.conf'),
    pid: join(dir, 'ngircd.pid'),
    log: join(dir, 'ngircd.log'),
  }
}

/** Options of {@link startIrcServer}. */
export interface IrcServerOptions {
  /** Directory for its config, pid and log (`<world>/irc`). */
  readonly dir: string
  /** Addresses to listen on; the first is the one tools connect to. */
  readonly listen: readonly string[]
  /** TCP port; 0 picks a free one. */
  readonly port?: number
  readonly channel?: string
  /** ngircd's own flood control (default on); tests turn it off to flood the bot itself. */
  readonly penalties?: boolean
  readonly log?: Logger
}

/** A running IRC server. */
export interface IrcServer {
  /** The first listen address and the port. */
  readonly host: string
  readonly port: number
  readonly channel: string
  readonly pid: number
  /** Stops the server (SIGTERM, then SIGKILL) and removes its pid file; idempotent. */
  stop(): Promise<void>
}

async function freePort(host: string): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, () => resolve())
  })
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port })
    const done = (ok: boolean): void => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(1_000, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
  })
}

/** Whether `pid` runs ngircd (so a pid file of a crashed world never kills a recycled pid). */
async function isNgircd(pid: number): Promise<boolean> {
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')
  return cmdline.split('\0')[0]?.endsWith('ngircd') === true
}

async function stopPid(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM')
  } catch {
    return
  }
  for (let waitedMs = 0; isAlive(pid) && waitedMs < STOP_TIMEOUT_MS; waitedMs += 50) await realSleep(50)
  if (isAlive(pid)) process.kill(pid, 'SIGKILL')
}

/**
 * Stops an ngircd a crashed world left in `dir` (its pid file), if it still runs; true when one did.
 */
export async function stopLeftoverIrcServer(dir: string, log: Logger = createNullLogger()): Promise<boolean> {
  const paths = ircPaths(dir)
  const pid = Number.parseInt(await readFile(paths.pid, 'utf8').catch(() => ''), 10)
  if (!Number.isSafeInteger(pid) || pid <= 1 || !isAlive(pid) || !(await isNgircd(pid))) {
    await rm(paths.pid, { force: true })
    return false
  }
  log.warn('irc.leftover_stopped', { pid, dir })
  await stopPid(pid)
  await rm(paths.pid, { force: true })
  return true
}

/**
 * Starts the world's IRC server: Debian's ngircd in the foreground (`--nodaemon`) with its own
 * generated config in `dir` (never `/etc/ngircd`, never the system service's port or pid), its
 * output in `dir/ngircd.log` and the spawned pid in `dir/ngircd.pid`; resolves once it accepts
 * connections on the first listen address.
 *
 * @throws WorldError WORLD_IRC_START when ngircd is missing, exits, or does not listen in time
 */
export async function startIrcServer(options: IrcServerOptions): Promise<IrcServer> {
  const log = options.log ?? createNullLogger()
  const paths = ircPaths(options.dir)
  const host = options.listen[0]
  if (host === undefined)
    throw new WorldError('WORLD_INVALID_OPTION', 'the IRC server needs a listen address', {})
  await mkdir(paths.dir, { recursive: true, mode: 0o755 })
  await stopLeftoverIrcServer(paths.dir, log)
  const channel = options.channel ?? WORLD_IRC_CHANNEL
  const port = options.port !== undefined && options.port !== 0 ? options.port : await freePort(host)
  await writeFile(
    paths.config,
    ngircdConfigText({
      listen: options.listen,
      port,
      channel,
      motd: 'Dollynator world IRC: the family talks here',
    }),
    { mode: 0o644 },
  )
  const out = openSync(paths.log, 'a', 0o600)
  let child: ChildProcess
  try {
    child = spawn(NGIRCD_PATH, ['--nodaemon', '--config', paths.config], {
      stdio: ['ignore', out, out],
      detached: false,
    })
  } finally {
    closeSync(out)
  }
  let exited: number | null | undefined
  let spawnError: Error | undefined
  child.once('exit', (code) => (exited = code))
  child.once('error', (err) => (spawnError = err))
  const fail = async (why: string): Promise<never> => {
    if (child.pid !== undefined && exited === undefined) await stopPid(child.pid)
    const tail = (await readFile(paths.log, 'utf8').catch(() => '')).split('\n').slice(-8).join('\n')
    throw new WorldError('WORLD_IRC_START', `ngircd ${why}; last lines of ${paths.log}:\n${tail}`, {
      log: paths.log,
      port,
    })
  }
  for (let waitedMs = 0; ; waitedMs += 100) {
    if (spawnError !== undefined)
      return fail(`could not start (${spawnError.message}; is the ngircd package installed?)`)
    if (exited !== undefined) return fail(`exited with code ${exited}`)
    if (await canConnect(host, port)) break
    if (waitedMs >= START_TIMEOUT_MS)
      return fail(`did not listen on ${host}:${port} in ${START_TIMEOUT_MS} ms`)
    await realSleep(100)
  }
  const pid = child.pid ?? 0
  await writeFile(paths.pid, `${pid}\n`, { mode: 0o644 })
  log.info('irc.started', { host, port, channel, pid })
  let stopping: Promise<void> | undefined
  return {
    host,
    port,
    channel,
    pid,
    stop() {
      stopping ??= (async () => {
        if (exited === undefined) {
          const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()))
          await stopPid(pid)
          await Promise.race([gone, realSleep(STOP_TIMEOUT_MS)])
        }
        await rm(paths.pid, { force: true })
      })()
      return stopping
    },
  }
}
