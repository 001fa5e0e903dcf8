import { createRequire } from 'node:module'
import type { Logger } from '@dolly/base'
import { parsePrivmsgLine, type Privmsg } from '../reply-parser.ts'

/** The part of irc-framework's `Client` this adapter uses (the package ships no types). */
interface IrcFrameworkClient {
  connect(options: Record<string, unknown>): void
  on(event: string, listener: (event: Record<string, unknown>) => void): void
  removeAllListeners(): void
  say(target: string, message: string): void
  join(channel: string): void
  changeNick(nick: string): void
  quit(message: string): void
  readonly user: { nick: string }
  readonly connected: boolean
}

/** Options of the tracker's IRC connection. */
export interface IrcConnectionOptions {
  readonly host: string
  readonly port: number
  readonly nick: string
  readonly channel: string
  readonly logger: Logger
  /** Each PRIVMSG received (channel or private). */
  readonly onPrivmsg: (message: Privmsg) => void
  /** Called each time the channel is joined (again after a reconnect). */
  readonly onJoined?: () => void
}

/** A live IRC connection of the tracker. */
export interface IrcConnection {
  /** Sends a PRIVMSG; dropped (and logged at debug) while disconnected. */
  say(target: string, text: string): void
  /** The nick the server accepted (differs from the wanted one after a collision). */
  nick(): string
  /** Resolves once the channel has been joined the first time. */
  readonly joined: Promise<void>
  /** Quits and stops reconnecting (idempotent). */
  close(): Promise<void>
}

/** Longest wait between two reconnect attempts after irc-framework gives up. */
const MAX_RECONNECT_WAIT_MS = 30_000
/** How long `close` waits for the server to acknowledge QUIT. */
const QUIT_WAIT_MS = 2_000

/**
 * Connects to an IRC server with irc-framework: registers (a taken nick gets a number appended),
 * joins the channel after the MOTD and again after every reconnect, hands every received PRIVMSG
 * line (read from the raw line, nick from its prefix) to `onPrivmsg`, and reconnects with a
 * capped exponential backoff when the server goes away.
 */
export function connectIrc(options: IrcConnectionOptions): IrcConnection {
  const require = createRequire(import.meta.url)
  const { Client } = require('irc-framework') as { Client: new () => IrcFrameworkClient }
  const client = new Client()
  const log = options.logger
  let closed = false
  let collisions = 0
  let attempts = 0
  let retryTimer: NodeJS.Timeout | undefined
  let signalJoined: () => void = () => {}
  const joined = new Promise<void>((resolve) => (signalJoined = resolve))

  const connect = (): void => {
    client.connect({
      host: options.host,
      port: options.port,
      nick: options.nick,
      username: options.nick,
      gecos: 'Dollynator Vision tracker',
      auto_reconnect: true,
      auto_reconnect_max_retries: 10,
      auto_reconnect_max_wait: MAX_RECONNECT_WAIT_MS,
      ping_interval: 30,
      ping_timeout: 120,
    })
  }

  client.on('registered', () => {
    attempts = 0
    log.info('irc.registered', { host: options.host, port: options.port, nick: client.user.nick })
    client.join(options.channel)
  })
  client.on('nick in use', () => {
    collisions++
    if (collisions > 50) return
    const next = `${options.nick}${collisions}`
    log.warn('irc.nick_in_use', { nick: next })
    client.changeNick(next)
  })
  client.on('join', (event) => {
    if (event['nick'] !== client.user.nick) return
    if (String(event['channel']).toLowerCase() !== options.channel.toLowerCase()) return
    log.info('irc.joined', { channel: options.channel })
    signalJoined()
    options.onJoined?.()
  })
  client.on('raw', (event) => {
    if (event['from_server'] !== true || typeof event['line'] !== 'string') return
    const message = parsePrivmsgLine(event['line'])
    if (message !== undefined) options.onPrivmsg(message)
  })
  client.on('socket error', (event) => log.debug('irc.socket_error', { error: String(event) }))
  client.on('close', () => {
    if (closed) return
    // irc-framework gave up (never registered, or out of retries): keep trying, more slowly.
    attempts++
    const waitMs = Math.min(MAX_RECONNECT_WAIT_MS, 500 * 2 ** Math.min(attempts, 10))
    log.warn('irc.disconnected', { host: options.host, port: options.port, retryInMs: waitMs })
    retryTimer = setTimeout(() => {
      retryTimer = undefined
      if (!closed) connect()
    }, waitMs)
  })
  connect()

  return {
    say(target, text) {
      if (!client.connected) {
        log.debug('irc.say_dropped', { target, text })
        return
      }
      client.say(target, text)
    },
    nick: () => client.user.nick,
    joined,
    async close() {
      if (closed) return
      closed = true
      if (retryTimer !== undefined) clearTimeout(retryTimer)
      if (client.connected) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, QUIT_WAIT_MS)
          client.on('close', () => {
            clearTimeout(timer)
            resolve()
          })
          client.quit('Vision closing')
        })
      }
      client.removeAllListeners()
    },
  }
}
