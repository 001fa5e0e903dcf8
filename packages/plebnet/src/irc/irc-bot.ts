import type { Clock, Logger, Rng } from '@dolly/base'
import {
  errorLine,
  heartbeatLine,
  oneLine,
  replyTo,
  type IrcCommand,
  type IrcSnapshot,
} from './irc-replies.ts'
import {
  connected,
  handleLine,
  qtablesSuffixOf,
  type IrcAction,
  type IrcProtocolOptions,
  type IrcProtocolState,
} from './irc-protocol.ts'
import { createSendQueue, type SendQueueOptions } from './send-queue.ts'

/**
 * The IRC bot (AGENT.md §11) over ports: a line connection, the clock, the agent's status snapshot.
 * It connects, registers, joins after the MOTD, answers the commands of the table through a bounded,
 * rate-limited queue, posts a heartbeat every `irc.timeout` s, and reconnects with exponential
 * backoff when the connection drops. Read-only: no command changes the agent. The node:net adapter is
 * adapters/tcp-link.ts; the daemon component adapters/irc-component.ts.
 */

/** One connection to the server, framed in lines (without CR LF). */
export interface IrcLink {
  /** Sends one line (the link appends CR LF). */
  write(line: string): void
  /** Registers the receiver of the server's lines; lines that came before are delivered at once. */
  onLine(listener: (line: string) => void): void
  /** Closes the connection; idempotent. */
  close(): void
  /** Resolves when the connection is closed, by either side. */
  readonly closed: Promise<void>
}

/** Ports of the bot. */
export interface IrcBotDeps {
  readonly clock: Clock
  readonly rng: Rng
  readonly log: Logger
  /** Opens a connection to `host:port` (rejects when it cannot). */
  connect(target: { readonly host: string; readonly port: number }, signal: AbortSignal): Promise<IrcLink>
  /** What the agent looks like now (balances, tree, lease, Q-table). */
  snapshot(): Promise<IrcSnapshot>
  /** Persists the nick chosen after a collision as `irc.nick`. */
  persistNick(nick: string): Promise<void>
  /** Reports a handler's exception (AGENT.md §14); the bot also logs it and posts the error line. */
  reportError?(component: string, error: unknown): void
}

/** Options of the bot (the `[irc]` keys, AGENT.md §4, plus limits). */
export interface IrcBotOptions {
  readonly host: string
  readonly port: number
  readonly channel: string
  /** The nick to start with (`irc.nick`). */
  readonly nick: string
  readonly nickDef: string
  /** `irc.timeout`: the heartbeat period, ms. */
  readonly heartbeatMs: number
  /** First reconnect delay, ms (doubled per failed attempt, jittered down to half). */
  readonly reconnectMinMs?: number
  /** Longest reconnect delay, ms. */
  readonly reconnectMaxMs?: number
  /** Closes a connection the server has sent nothing on for this long, ms (the server pings idle clients). */
  readonly idleTimeoutMs?: number
  /** Outgoing channel messages: queue size, burst and refill (flood control). */
  readonly queue?: SendQueueOptions
  /** Commands waiting for their reply at most; more are ignored (a flood of commands). */
  readonly maxPendingCommands?: number
}

/** Defaults of the limits. */
export const IRC_BOT_DEFAULTS = Object.freeze({
  reconnectMinMs: 1_000,
  reconnectMaxMs: 300_000,
  idleTimeoutMs: 600_000,
  queue: Object.freeze({ capacity: 100, burst: 5, intervalMs: 1_000 }),
  maxPendingCommands: 10,
})

/** Longest IRC line, CR LF included (RFC 2812 §2.3). */
export const MAX_LINE_BYTES = 512

/** What the bot is doing (for the daemon's log and the tests). */
export interface IrcBotState {
  readonly connected: boolean
  /** JOIN went out on this connection (the bot may queue lines for the channel). */
  readonly joined: boolean
  /** The server echoed the bot's own JOIN: it is a member of the channel and hears commands. */
  readonly inChannel: boolean
  readonly nick: string
  /** Connections made since start. */
  readonly sessions: number
  /** Commands answered, and ignored because too many were waiting. */
  readonly commandsAnswered: number
  readonly commandsDropped: number
  /** Channel lines dropped because the send queue was full. */
  readonly linesDropped: number
}

/** The running bot. */
export interface IrcBot {
  readonly name: 'irc'
  start(): Promise<void>
  stop(): Promise<void>
  /** Posts `A error occurred in <component> <message>` to the channel (AGENT.md §14); never throws. */
  postError(component: string, message: string): void
  /** Posts a line of its own to the channel (`child <tree> installed`, `goodbye: <tree>`); never throws. */
  post(text: string): void
  state(): IrcBotState
}

/** The PRIVMSG line of `text`, cut (at a character boundary) to the 512-byte line limit. */
export function privmsgLine(channel: string, text: string): string {
  const head = `PRIVMSG ${channel} :`
  const room = MAX_LINE_BYTES - 2 - utf8Bytes(head)
  let body = text
  while (utf8Bytes(body) > room) body = [...body].slice(0, -1).join('')
  return head + body
}

const encoder = new TextEncoder()
function utf8Bytes(text: string): number {
  return encoder.encode(text).length
}

/** Creates the bot; `start()` connects in the background and keeps reconnecting until `stop()`. */
export function createIrcBot(deps: IrcBotDeps, options: IrcBotOptions): IrcBot {
  const log = deps.log.child({ component: 'irc' })
  const minMs = options.reconnectMinMs ?? IRC_BOT_DEFAULTS.reconnectMinMs
  const maxMs = options.reconnectMaxMs ?? IRC_BOT_DEFAULTS.reconnectMaxMs
  const idleMs = options.idleTimeoutMs ?? IRC_BOT_DEFAULTS.idleTimeoutMs
  const maxPending = options.maxPendingCommands ?? IRC_BOT_DEFAULTS.maxPendingCommands
  const queue = createSendQueue(options.queue ?? IRC_BOT_DEFAULTS.queue, deps.clock.nowMs())
  const protocol: IrcProtocolOptions = {
    channel: options.channel,
    nickDef: options.nickDef,
    qtablesSuffix: qtablesSuffixOf(options.nick, options.nickDef),
  }
  let nick = options.nick
  let startedAtMs = 0
  let life: AbortController | undefined
  let loop: Promise<void> = Promise.resolve()
  let link: IrcLink | undefined
  let joined = false
  let inChannel = false
  let sessions = 0
  let answered = 0
  let droppedCommands = 0
  let wake = Promise.withResolvers<void>()
  const poke = (): void => wake.resolve()

  const push = (text: string, gapMs = 0): void => {
    if (queue.push(oneLine(text), gapMs)) poke()
  }

  const failed = (component: string, err: unknown): void => {
    const message = err instanceof Error ? err.message : String(err)
    log.error('irc.handler_failed', { component, err })
    try {
      deps.reportError?.(component, err)
    } catch (reportErr) {
      log.warn('irc.report_failed', { err: reportErr })
    }
    push(errorLine(component, message))
  }

  const answer = async (command: IrcCommand): Promise<void> => {
    try {
      const reply = replyTo(command, await deps.snapshot(), deps.clock.nowMs() - startedAtMs)
      if (queue.free() < reply.lines.length) {
        droppedCommands += 1
        log.warn('irc.reply_dropped', { command, lines: reply.lines.length, queued: queue.size() })
      } else {
        reply.lines.forEach((line, i) => push(line, i === 0 ? 0 : reply.gapMs))
      }
      answered += 1
      if (reply.error !== undefined) failed('IRCbot', reply.error)
    } catch (err) {
      failed('IRCbot', err)
    }
  }

  /** One connection, from connect to close. */
  const session = async (signal: AbortSignal): Promise<boolean> => {
    const current = await deps.connect({ host: options.host, port: options.port }, signal)
    link = current
    sessions += 1
    const ended = new AbortController()
    const stop = (): void => current.close()
    signal.addEventListener('abort', stop, { once: true })
    void current.closed.then(() => ended.abort())
    const endedSignal = ended.signal
    const endedPromise = new Promise<void>((resolve) =>
      endedSignal.addEventListener('abort', () => resolve(), { once: true }),
    )
    let reachedJoin = false
    let lastLineMs = deps.clock.nowMs()
    const pending: IrcCommand[] = []
    let working = false
    const runCommands = async (): Promise<void> => {
      if (working) return
      working = true
      try {
        for (let next = pending.shift(); next !== undefined && !endedSignal.aborted; next = pending.shift())
          await answer(next)
      } finally {
        working = false
      }
    }
    const first = connected(nick)
    let state: IrcProtocolState = first.state
    const apply = (actions: readonly IrcAction[]): void => {
      for (const action of actions) {
        switch (action.kind) {
          case 'send':
            current.write(action.line)
            break
          case 'nick':
            nick = action.nick
            log.info('irc.nick_in_use', { nick })
            deps
              .persistNick(action.nick)
              .catch((err: unknown) => log.warn('irc.nick_persist_failed', { err }))
            break
          case 'joined':
            joined = true
            reachedJoin = true
            log.info('irc.joined', { channel: options.channel, nick })
            poke()
            void heartbeat()
            break
          case 'in-channel':
            inChannel = true
            break
          case 'command':
            if (pending.length >= maxPending) {
              droppedCommands += 1
              break
            }
            pending.push(action.command)
            void runCommands()
            break
        }
      }
    }
    const heartbeat = async (): Promise<void> => {
      while (!endedSignal.aborted) {
        try {
          await deps.clock.sleep(options.heartbeatMs, { signal: endedSignal })
        } catch {
          return
        }
        push(heartbeatLine(deps.clock.nowMs() - startedAtMs))
      }
    }
    const writer = async (): Promise<void> => {
      while (!endedSignal.aborted) {
        const decision = joined ? queue.next(deps.clock.nowMs()) : ({ kind: 'idle' } as const)
        if (decision.kind === 'send') {
          current.write(privmsgLine(options.channel, decision.line))
          continue
        }
        if (decision.kind === 'wait') {
          await deps.clock.sleep(decision.ms, { signal: endedSignal }).catch(() => undefined)
          continue
        }
        await Promise.race([wake.promise, endedPromise])
        wake = Promise.withResolvers<void>()
      }
    }
    const watchdog = async (): Promise<void> => {
      while (!endedSignal.aborted) {
        const quietMs = deps.clock.nowMs() - lastLineMs
        if (quietMs >= idleMs) {
          log.warn('irc.idle_timeout', { quietMs })
          current.close()
          return
        }
        await deps.clock.sleep(idleMs - quietMs, { signal: endedSignal }).catch(() => undefined)
      }
    }
    current.onLine((line) => {
      lastLineMs = deps.clock.nowMs()
      const step = handleLine(state, line, protocol, deps.rng)
      state = step.state
      apply(step.actions)
    })
    apply(first.actions)
    const loops = Promise.all([writer(), watchdog()])
    await current.closed
    ended.abort()
    signal.removeEventListener('abort', stop)
    joined = false
    inChannel = false
    link = undefined
    await loops
    return reachedJoin
  }

  const run = async (signal: AbortSignal): Promise<void> => {
    let attempt = 0
    while (!signal.aborted) {
      try {
        const wasJoined = await session(signal)
        if (wasJoined) attempt = 0
        if (!signal.aborted) log.warn('irc.disconnected', { host: options.host, port: options.port })
      } catch (err) {
        if (signal.aborted) return
        log.warn('irc.connect_failed', { host: options.host, port: options.port, attempt, err })
      }
      if (signal.aborted) return
      const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30))
      const delayMs = Math.round(ceiling * (0.5 + deps.rng.float() * 0.5))
      attempt += 1
      try {
        await deps.clock.sleep(delayMs, { signal })
      } catch {
        return
      }
    }
  }

  return {
    name: 'irc',
    start() {
      if (life !== undefined) return Promise.resolve()
      life = new AbortController()
      startedAtMs = deps.clock.nowMs()
      loop = run(life.signal)
      log.info('irc.started', { host: options.host, port: options.port, channel: options.channel, nick })
      return Promise.resolve()
    },
    async stop() {
      if (life === undefined || life.signal.aborted) return
      life.abort()
      link?.close()
      poke()
      await loop
      log.info('irc.stopped', { sessions })
    },
    postError(component, message) {
      push(errorLine(component, message))
    },
    post(text) {
      push(text)
    },
    state: () => ({
      connected: link !== undefined,
      joined,
      inChannel,
      nick,
      sessions,
      commandsAnswered: answered,
      commandsDropped: droppedCommands,
      linesDropped: queue.dropped(),
    }),
  }
}
