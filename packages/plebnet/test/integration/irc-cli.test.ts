import { spawn, type ChildProcess } from 'node:child_process'
import { openSync } from 'node:fs'
import { appendFile, mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { realSleep } from '@dolly/base'
import { startIrcServer, type IrcServer } from '@dolly/world'
import { CHANNEL, Client } from './irc-client.ts'

// `plebnet irc {status,stop,start,restart}` (AGENT.md §2) against a real `plebnet daemon` whose bot
// talks to a real ngircd (Debian's) on 127.0.0.1, as an operator runs them on the agent's machine.
// A raw client in the channel sees the bot leave and come back and asks it `!general`. Loopback
// only; ngircd is a system binary, so this runs under the world lock like the other world tests.

const PLEBNET = resolve(import.meta.dirname, '..', '..', 'bin', 'plebnet.js')

let dir: string
let home: string
let server: IrcServer
let daemon: ChildProcess | undefined
let statusHost: string
const clients: Client[] = []

function plebnet(
  args: readonly string[],
  at = home,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [PLEBNET, '--home', at, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    child.on('close', (code) => resolvePromise({ code, out, err }))
  })
}

const irc = (...args: string[]) => plebnet(['irc', ...args, '--host', statusHost])

async function freePort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()))
  const address = s.address()
  await new Promise<void>((r) => s.close(() => r()))
  return address !== null && typeof address === 'object' ? address.port : 0
}

/** Runs `irc status` until it exits with `code` (bounded); the last run. */
async function statusUntil(code: number, timeoutMs: number) {
  const end = Date.now() + timeoutMs
  for (;;) {
    const r = await irc('status', '--json')
    if (r.code === code || Date.now() > end) return r
    await realSleep(500)
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dolly-irc-cli-'))
  home = join(dir, 'agent')
  server = await startIrcServer({ dir: join(dir, 'irc'), listen: ['127.0.0.1'], penalties: false })
  const setup = await plebnet(['setup', '--testnet', '--tree', 'plebbot7', '--no-service'])
  expect(setup.code, setup.err).toBe(0)
  await appendFile(
    join(home, 'plebnet_setup.cfg'),
    `\n[irc]\nserver = 127.0.0.1\nport = ${server.port}\nchannel = ${CHANNEL}\n`,
  )
  statusHost = `127.0.0.1:${await freePort()}`
  daemon = spawn(
    process.execPath,
    [PLEBNET, '--home', home, 'daemon', '--status-listen', statusHost, '--gossip-listen', '127.0.0.1:0'],
    // DOLLY_KEEP_TEST_DIRS=1 keeps the home with the daemon's log (daemon.log) for a look after a failure.
    {
      stdio:
        process.env['DOLLY_KEEP_TEST_DIRS'] === undefined
          ? 'ignore'
          : ['ignore', openSync(join(home, 'daemon.log'), 'a'), openSync(join(home, 'daemon.log'), 'a')],
    },
  )
}, 60_000)

afterAll(async () => {
  for (const c of clients) c.close()
  const d = daemon
  if (d !== undefined && d.exitCode === null && d.signalCode === null) {
    const exited = new Promise<void>((r) => d.once('exit', () => r()))
    d.kill('SIGTERM')
    const timer = setTimeout(() => d.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(timer)
  }
  await server?.stop()
  if (process.env['DOLLY_KEEP_TEST_DIRS'] === undefined) await rm(dir, { recursive: true, force: true })
  else console.log(`irc-cli: kept ${dir}`)
}, 30_000)

describe('plebnet irc', () => {
  it('status, stop, start and restart the daemon’s bot; the channel sees it leave and come back', async () => {
    // The daemon's bot joins by itself: `irc status` exits 0 once it is in the channel.
    const up = await statusUntil(0, 60_000)
    expect(up.code, up.err).toBe(0)
    const first = JSON.parse(up.out) as { nick: string; running: boolean; joined: boolean; sessions: number }
    expect(first).toMatchObject({
      running: true,
      joined: true,
      channel: CHANNEL,
      server: `127.0.0.1:${server.port}`,
    })
    const nick = first.nick
    expect(nick).toMatch(/^plebbot\d{4,5}$/)
    // `plebnet status` shows the bot's line too.
    const status = await plebnet(['status', '--host', statusHost])
    expect(status.out).toContain(`irc: ${nick} on 127.0.0.1:${server.port} ${CHANNEL}: in the channel`)

    const watcher = await Client.open(server.port, 'opwatch')
    clients.push(watcher)
    const asked = watcher.lines.length
    watcher.send(`PRIVMSG ${CHANNEL} :!general`)
    await watcher.waitFor((l) => l.startsWith(`:${nick}!`) && l.includes(':general: {'), 15_000, asked)

    // stop: the switch file is set, the bot quits the server, status says so and exits 3 (LSB).
    const stop = await irc('stop')
    expect(stop.code, stop.err).toBe(0)
    expect(stop.out).toContain('stopped by the operator (plebnet irc start)')
    await watcher.waitFor((l) => l.startsWith(`:${nick}!`) && / (QUIT|PART) /.test(l), 15_000, asked)
    const down = await irc('status')
    expect(down.code).toBe(3)
    expect(down.err).toContain('IRC_NOT_RUNNING')
    // A stopped bot answers nothing.
    const quiet = watcher.lines.length
    watcher.send(`PRIVMSG ${CHANNEL} :!general`)
    await realSleep(3_000)
    expect(watcher.said(nick, quiet)).toEqual([])

    // start: the switch is cleared, the bot comes back under the same nick and answers again.
    const start = await irc('start', '--json')
    expect(start.code, start.err).toBe(0)
    const started = JSON.parse(start.out) as typeof first
    expect(started).toMatchObject({ nick, running: true, joined: true })
    expect(started.sessions).toBeGreaterThan(first.sessions)
    const back = watcher.lines.length
    watcher.send(`PRIVMSG ${CHANNEL} :!general`)
    await watcher.waitFor((l) => l.startsWith(`:${nick}!`) && l.includes(':general: {'), 15_000, back)

    // restart: stop, then start; a third session.
    const restart = await irc('restart', '--json')
    expect(restart.code, restart.err).toBe(0)
    const restarted = JSON.parse(restart.out) as typeof first
    expect(restarted).toMatchObject({ nick, running: true, joined: true })
    expect(restarted.sessions).toBeGreaterThan(started.sessions)
    expect((await irc('status')).code).toBe(0)
  }, 120_000)

  it('says what is wrong when no daemon answers, and refuses a bad --timeout', async () => {
    const nowhere = `127.0.0.1:${await freePort()}`
    const status = await plebnet(['irc', 'status', '--host', nowhere])
    expect(status.code).toBe(3)
    expect(status.err).toContain('IRC_NOT_RUNNING')
    const stop = await plebnet(['irc', 'stop', '--host', nowhere])
    expect(stop.code).toBe(1)
    expect(stop.err).toContain('IRC_DAEMON_DOWN')
    const bad = await irc('start', '--timeout', 'soon')
    expect(bad.code).toBe(2)
  }, 60_000)
})
