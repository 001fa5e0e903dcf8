import { effectiveIni, ENV_PREFIX } from '../config/agent-config.ts'
import { parseIniText } from '../config/ini.ts'
import { IrcError } from './errors.ts'

/** The bot's settings (`[irc]`, AGENT.md §4). */
export interface IrcConfig {
  readonly server: string
  readonly port: number
  readonly channel: string
  readonly nick: string
  readonly nickDef: string
  /** `irc.timeout` in ms: the heartbeat period. */
  readonly heartbeatMs: number
  /** `vps.initdate`, '' when setup did not write one. */
  readonly initDate: string
  /** `vps.host` and `lease.bootstrap_state`: what `!general` says of an agent installed by hand. */
  readonly vpsHost: string
  readonly bootstrapState: string
}

/** A nick as IRC allows it (RFC 2812 §2.3.1, any length the server accepts; ngircd's is configured). */
const NICK = /^[A-Za-z[\]\\`_^{|}][A-Za-z0-9[\]\\`_^{|}-]{0,63}$/
/** A channel name: `#` or `&`, then no space, comma, BEL or control character. */
const CHANNEL = /^[#&][^\s,\u0007\u0000-\u001f]{1,199}$/
/** A host name or address without spaces. */
const HOST = /^[A-Za-z0-9.:_-]{1,253}$/

/**
 * The `[irc]` settings of `plebnet_setup.cfg` text plus the environment; undefined when the bot is
 * off. The bot runs when `irc.server` is set in the agent's own file (or `PLEBNET_CFG_IRC_SERVER`) to
 * a non-empty value: the shipped default (`irc.undernet.org`) is not dialled by an agent nobody
 * pointed at a server (a world agent gets the world's from its family config). The other keys fall
 * back to their §4 defaults. `irc.nick` still equal to `nick_def` (never chosen) becomes
 * `nick_def + 1000..10000` at the bot's start (adapters/irc-component.ts), as §3.1 step 2 says.
 *
 * @throws IrcError IRC_CONFIG_INVALID naming the key and the value expected
 */
export function readIrcConfig(
  text: string,
  env: Readonly<Record<string, string | undefined>> = {},
): IrcConfig | undefined {
  const own = parseIniText(text).get('irc')?.get('server')?.trim() ?? ''
  const fromEnv = env[`${ENV_PREFIX}IRC_SERVER`]?.trim() ?? ''
  if (own === '' && fromEnv === '') return undefined
  const ini = effectiveIni(text, env)
  const get = (section: string, key: string): string => ini.get(section)?.get(key)?.trim() ?? ''
  const bad = (key: string, expected: string, value: string): never => {
    throw new IrcError(
      'IRC_CONFIG_INVALID',
      `plebnet_setup.cfg: irc.${key} must be ${expected}, got ${value}`,
      {
        key: `irc.${key}`,
        value,
      },
    )
  }
  const server = get('irc', 'server')
  if (!HOST.test(server)) bad('server', 'a host name or address', server)
  const portText = get('irc', 'port')
  const port = Number(portText)
  if (!/^\d{1,5}$/.test(portText) || port < 1 || port > 65_535) bad('port', 'a port 1..65535', portText)
  const channel = get('irc', 'channel')
  if (!CHANNEL.test(channel)) bad('channel', 'a channel name starting with # or &', channel)
  const nickDef = get('irc', 'nick_def')
  if (!NICK.test(nickDef)) bad('nick_def', 'an IRC nick', nickDef)
  const nick = get('irc', 'nick')
  if (!NICK.test(nick)) bad('nick', 'an IRC nick', nick)
  const timeoutText = get('irc', 'timeout')
  const timeoutS = Number(timeoutText)
  if (!/^\d{1,7}(\.\d+)?$/.test(timeoutText) || timeoutS < 1)
    bad('timeout', 'a heartbeat period of at least 1 s', timeoutText)
  return {
    server,
    port,
    channel,
    nick,
    nickDef,
    heartbeatMs: Math.round(timeoutS * 1000),
    initDate: get('vps', 'initdate'),
    vpsHost: get('vps', 'host'),
    bootstrapState: get('lease', 'bootstrap_state'),
  }
}
