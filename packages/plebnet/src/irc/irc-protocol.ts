import type { Rng } from '@dolly/base'
import { commandOf, type IrcCommand } from './irc-replies.ts'

/**
 * The bot's line handling (AGENT.md §11), pure: what to send when connected, and what one line from
 * the server asks for. The shell sends the `send` lines at once, persists a changed nick, and runs
 * commands through its rate limit.
 */

/** The gecos of the `USER` line (the original's). */
export const BOT_VERSION_GECOS = 'Plebbot version 2.15'

/** Fixed settings of a bot. */
export interface IrcProtocolOptions {
  readonly channel: string
  /** `irc.nick_def`: the prefix of a nick chosen after a collision. */
  readonly nickDef: string
  /** `N` of `!qtables<N>`: the digits after `nick_def` in the nick the bot started with. */
  readonly qtablesSuffix: string
}

/** Where a connection stands. */
export interface IrcProtocolState {
  readonly nick: string
  /** Whether `JOIN` was sent on this connection (after the end of the MOTD). */
  readonly joined: boolean
}

/** What a line asks the shell to do. */
export type IrcAction =
  /** A protocol line (PONG, NICK, USER, JOIN), sent at once, without the rate limit. */
  | { readonly kind: 'send'; readonly line: string }
  /** The nick changed after a collision: persist it as `irc.nick`. */
  | { readonly kind: 'nick'; readonly nick: string }
  /** JOIN went out: the bot may talk in the channel. */
  | { readonly kind: 'joined' }
  /** The server echoed the bot's own JOIN: it is a member of the channel and hears commands. */
  | { readonly kind: 'in-channel' }
  /** Someone asked a command (word 3 was `:!<command>`). */
  | { readonly kind: 'command'; readonly command: IrcCommand; readonly from: string }

/** A line handled: the next state and what to do. */
export interface IrcStep {
  readonly state: IrcProtocolState
  readonly actions: readonly IrcAction[]
}

/** The registration lines: `NICK <nick>`, then `USER <nick> <nick> <nick> : Plebbot version 2.15`. */
export function registrationLines(nick: string): string[] {
  return [`NICK ${nick}`, `USER ${nick} ${nick} ${nick} : ${BOT_VERSION_GECOS}`]
}

/** The state and lines of a new connection with `nick`. */
export function connected(nick: string): IrcStep {
  return {
    state: { nick, joined: false },
    actions: registrationLines(nick).map((line) => ({ kind: 'send', line })),
  }
}

/** A nick after a collision: `nick_def + randInt(1000, 10000)`, both ends inclusive (§3.1). */
export function collisionNick(nickDef: string, rng: Rng): string {
  return `${nickDef}${1000 + rng.int(9001)}`
}

/** The digits after `nickDef` in `nick` (`plebbot4521` → `4521`); '' when it has none. */
export function qtablesSuffixOf(nick: string, nickDef: string): string {
  if (!nick.startsWith(nickDef)) return ''
  const rest = nick.slice(nickDef.length)
  return /^\d+$/.test(rest) ? rest : ''
}

/** Whether `line` is the server's echo of `nick` joining `channel` (`:nick!user@host JOIN :#chan`). */
export function isOwnJoin(line: string, nick: string, channel: string): boolean {
  const m = /^:([^ !]+)![^ ]* JOIN :?([^ ]+)/.exec(line)
  return (
    m !== null && m[1]?.toLowerCase() === nick.toLowerCase() && m[2]?.toLowerCase() === channel.toLowerCase()
  )
}

/**
 * Handles one line from the server (without its CR LF), in the original's order: `PING x` → `PONG x`;
 * a line containing `433 * <nick>` → a new nick (`collisionNick`), persisted, and NICK/USER again; a
 * line containing `376 <nick>` or `422 <nick>` (end of, or no, MOTD) → `JOIN <channel>` once; the server's echo of its own JOIN → `in-channel`; else a
 * PRIVMSG whose word 3 (split on single spaces) is `:!<command>` of the table runs the command. The
 * sender is the text between `:` and `!`.
 */
export function handleLine(
  state: IrcProtocolState,
  line: string,
  options: IrcProtocolOptions,
  rng: Rng,
): IrcStep {
  if (line.startsWith('PING ') || line === 'PING') {
    return { state, actions: [{ kind: 'send', line: `PONG${line.slice(4)}` }] }
  }
  if (line.includes(`433 * ${state.nick}`)) {
    const nick = collisionNick(options.nickDef, rng)
    return {
      state: { nick, joined: false },
      actions: [
        { kind: 'nick', nick },
        ...registrationLines(nick).map((l) => ({ kind: 'send' as const, line: l })),
      ],
    }
  }
  if (line.includes(`376 ${state.nick}`) || line.includes(`422 ${state.nick}`)) {
    if (state.joined) return { state, actions: [] }
    return {
      state: { ...state, joined: true },
      actions: [{ kind: 'send', line: `JOIN ${options.channel}` }, { kind: 'joined' }],
    }
  }
  if (isOwnJoin(line, state.nick, options.channel)) return { state, actions: [{ kind: 'in-channel' }] }
  const words = line.split(' ')
  const word = words[3]
  if (words[1] !== 'PRIVMSG' || word === undefined || !word.startsWith(':!')) return { state, actions: [] }
  const command = commandOf(word.slice(2), options.qtablesSuffix)
  if (command === undefined) return { state, actions: [] }
  const prefix = words[0] ?? ''
  const bang = prefix.indexOf('!')
  const from = prefix.startsWith(':') ? prefix.slice(1, bang < 0 ? undefined : bang) : ''
  return { state, actions: [{ kind: 'command', command, from }] }
}
