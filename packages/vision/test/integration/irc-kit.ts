/**
 * Test kit of Vision's integration tests: a real ngircd on a free loopback port, and fake agents'
 * IRC bots that answer the tracker's commands with AGENT.md §11's reply strings, byte-exact.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { createConnection, createServer, type Socket } from 'node:net'
import { join } from 'node:path'

/** A free TCP port on 127.0.0.1 (bound then released). */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

/** A running ngircd. */
export interface Ngircd {
  readonly host: string
  readonly port: number
  stop(): Promise<void>
}

/** Starts Debian's ngircd in the foreground on `127.0.0.1:<port>` with a generated config in `dir`. */
export async function startNgircd(dir: string, port?: number): Promise<Ngircd> {
  const p = port ?? (await freePort())
  await mkdir(join(dir, 'conf.d'), { recursive: true })
  const config = join(dir, 'ngircd.conf')
  await writeFile(
    config,
    [
      '[Global]',
      '\tName = irc.vision.test',
      '\tInfo = Vision test server',
      '\tAdminInfo1 = Dollynator tests',
      '\tAdminInfo2 = loopback',
      '\tAdminEMail = tests@localhost',
      '\tListen = 127.0.0.1',
      `\tPorts = ${p}`,
      '\tMotdPhrase = Vision test',
      `\tPidFile = ${join(dir, 'ngircd.pid')}`,
      '[Limits]',
      '\tMaxConnectionsIP = 0',
      // Agents' nicks are `plebbot` + 4 digits (11 characters); ngircd's default limit is 9.
      '\tMaxNickLength = 30',
      '\tPingTimeout = 120',
      '\tPongTimeout = 20',
      '[Options]',
      '\tPAM = no',
      '\tIdent = no',
      '\tDNS = no',
      `\tIncludeDir = ${join(dir, 'conf.d')}`,
      '',
    ].join('\n'),
  )
  const child = spawn('/usr/sbin/ngircd', ['--nodaemon', '--passive', '--config', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  const deadline = Date.now() + 10_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`ngircd exited ${child.exitCode}: ${stderr}`)
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection({ host: '127.0.0.1', port: p }, () => {
        s.destroy()
        resolve(true)
      })
      s.once('error', () => resolve(false))
    })
    if (ok) break
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`ngircd did not listen on ${p}: ${stderr}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return { host: '127.0.0.1', port: p, stop: () => stopChild(child) }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
  await exited
  clearTimeout(timer)
}

/** What a fake agent answers (AGENT.md §11). */
export interface FakeAgent {
  nick: string
  host: string
  option: string
  vpn: boolean
  tree: string
  exitnode: boolean
  mbBalance: string
  btcBalance: string
  tbtcBalance: string
  matchmakers: number
  uploadedMb: string
  downloadedMb: string
}

/** Registers `nick` on the server without joining any channel (to take a nick); returns its closer. */
export async function holdNick(server: { host: string; port: number }, nick: string): Promise<() => void> {
  const socket = createConnection({ host: server.host, port: server.port })
  socket.setEncoding('utf8')
  socket.on('error', () => {})
  await new Promise<void>((resolve) => {
    socket.on('connect', () => socket.write(`NICK ${nick}\r\nUSER ${nick} 0 * :holder\r\n`))
    socket.on('data', (chunk: string) => {
      for (const line of chunk.split('\r\n')) {
        if (line.startsWith('PING')) socket.write(`PONG ${line.slice(5)}\r\n`)
        if (line.includes(` 001 ${nick} `)) resolve()
      }
    })
  })
  return () => socket.destroy()
}

/** A fake agent's bot on the channel. */
export interface FakeBot {
  /** The agent's figures; change them and the next replies follow. */
  readonly agent: FakeAgent
  /** Resolves when the bot has joined. */
  readonly joined: Promise<void>
  /** Commands heard, in order. */
  readonly heard: string[]
  /** Nicks the commands came from (the prefix of each PRIVMSG). */
  readonly senders: Set<string>
  /** Sends a raw PRIVMSG text to the channel. */
  say(text: string): void
  stop(): void
}

const py = (b: boolean): string => (b ? 'True' : 'False')

/** The §11 reply to `command`, byte-exact, or undefined for one the fake does not answer. */
export function replyOf(a: FakeAgent, command: string): string | undefined {
  switch (command) {
    case '!general':
      return `general: {'host': '${a.host}', 'option': '${a.option}', 'vpn': ${py(a.vpn)}, 'tree': '${a.tree}', 'exitnode': ${py(a.exitnode)}}`
    case '!MB_balance':
      return `My MB balance is: ${a.mbBalance}`
    case '!BTC_balance':
      return `My BTC balance is:  ${a.btcBalance}`
    case '!TBTC_balance':
      return `My TBTC balance is: ${a.tbtcBalance}`
    case '!matchmakers':
      return `I currently have: ${a.matchmakers} matchmakers`
    case '!uploaded':
      return `I currently have uploaded: ${a.uploadedMb} MB`
    case '!downloaded':
      return `I currently have downloaded: ${a.downloadedMb} MB`
    case '!joke':
      return 'Q: Why did the hipster burn his tongue? A: He ate the pizza before it was cool.'
    default:
      return undefined
  }
}

/**
 * Connects a fake bot the way §11 says: NICK, USER, JOIN after the end of the MOTD, PONG to PING, and
 * the reply to every command in word 3 of a channel PRIVMSG.
 */
export function startFakeBot(
  server: { host: string; port: number },
  channel: string,
  agent: FakeAgent,
): FakeBot {
  const socket: Socket = createConnection({ host: server.host, port: server.port })
  const heard: string[] = []
  const senders = new Set<string>()
  let buffer = ''
  let onJoined: () => void = () => {}
  const joined = new Promise<void>((resolve) => (onJoined = resolve))
  const send = (line: string): void => void socket.write(`${line}\r\n`)
  socket.setEncoding('utf8')
  socket.on('connect', () => {
    send(`NICK ${agent.nick}`)
    send(`USER ${agent.nick} ${agent.nick} ${agent.nick} : Plebbot version 2.15`)
  })
  socket.on('error', () => {})
  socket.on('data', (chunk: string) => {
    buffer += chunk
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const line = buffer.slice(0, nl).replace(/\r$/, '')
      buffer = buffer.slice(nl + 1)
      const words = line.split(' ')
      if (words[0] === 'PING') send(`PONG ${words.slice(1).join(' ')}`)
      else if (line.includes(` 376 ${agent.nick}`) || line.includes(` 422 ${agent.nick}`))
        send(`JOIN ${channel}`)
      else if (words[1] === 'JOIN' && words[0]?.startsWith(`:${agent.nick}!`)) onJoined()
      else if (
        words[1] === 'PRIVMSG' &&
        words[2]?.toLowerCase() === channel.toLowerCase() &&
        words[3]?.startsWith(':!')
      ) {
        const command = words[3].slice(1)
        heard.push(command)
        senders.add(words[0]?.slice(1).split('!')[0] ?? '')
        const reply = replyOf(agent, command)
        if (reply !== undefined) send(`PRIVMSG ${channel} :${reply}`)
      }
    }
  })
  return {
    agent,
    joined,
    heard,
    senders,
    say: (text) => send(`PRIVMSG ${channel} :${text}`),
    stop: () => {
      send('QUIT :bye')
      socket.end()
      socket.destroy()
    },
  }
}
