import { networkInterfaces } from 'node:os'
import { access, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileAtomic, type Clock, type Logger, type Rng } from '@dolly/base'
import type { LedgerStore } from '@dolly/ledger'
import { setIniValue } from '../../config/ini.ts'
import { CONFIG_FILE, WALLET_FILE } from '../../daemon/adapters/agent-home.ts'
import type { AgentStatus } from '../../daemon/status.ts'
import { createIrcBot, type IrcBot } from '../irc-bot.ts'
import type { IrcConfig } from '../irc-config.ts'
import { IrcError } from '../errors.ts'
import { IRC_STOP_FILE, type IrcStatus } from '../irc-status.ts'
import { collisionNick } from '../irc-protocol.ts'
import { ircSnapshotOf } from '../irc-snapshot.ts'
import { ledgerFigures } from '../ledger-figures.ts'
import { connectTcpLink } from './tcp-link.ts'

/** Lines posted before the bot started that are kept for it at most. */
const MAX_EARLY_LINES = 100
/** Real ms between looks at the status for new children and the end of the lease. */
const WATCH_INTERVAL_MS = 5_000
/** World ms before the lease ends at which the bot says goodbye (AGENT.md §3.6: < 600 s). */
const GOODBYE_BEFORE_MS = 600_000
/** Real ms between looks at the operator's switch file (`plebnet irc stop|start` wait for it). */
export const IRC_SWITCH_POLL_MS = 1_000

/** What the daemon gives the bot. */
export interface IrcComponentDeps {
  readonly clock: Clock
  readonly rng: Rng
  readonly log: Logger
  /** The daemon's full status now; undefined before the daemon is built. */
  readonly status: () => AgentStatus | undefined
  /** The agent's ledger store, once the ledger runs. */
  readonly ledgerStore: () => LedgerStore | undefined
  readonly publicKey: Uint8Array
  /** Matchmakers the market uses now (0 without a market). */
  readonly matchmakers: () => number
  /** World ms now. */
  readonly worldNowMs: () => number
  /** Reports a handler's exception (AGENT.md §14 error issues), when a reporter runs. */
  readonly reportError?: (component: string, error: unknown) => void
}

/** What the bot shows of the agent's record. */
export interface IrcComponentOptions {
  readonly home: string
  readonly config: IrcConfig
  readonly createdAtMs: number
  readonly selfState: { readonly provider: string; readonly option: string } | null
}

/**
 * The bot as a daemon component; `postError` and `post` work from construction (lines wait for the
 * join, and are dropped while the operator holds the bot stopped). `status` is the status document's
 * `irc` block.
 */
export interface IrcComponent extends Pick<IrcBot, 'name' | 'start' | 'stop' | 'postError' | 'post'> {
  status(): IrcStatus
}

/** Writes `irc.nick` to the agent's config file (AGENT.md §11: a nick chosen after a collision is persisted). */
async function persistNick(home: string, nick: string): Promise<void> {
  const path = join(home, CONFIG_FILE)
  const text = await readFile(path, 'utf8').catch(() => '')
  await writeFileAtomic(path, setIniValue(text, 'irc', 'nick', nick), { mode: 0o600, dirMode: 0o700 })
}

/** Receive address 0 of the agent's wallet, from the xpub kept in clear (no passphrase); null without one. */
async function walletAddress(home: string): Promise<string | null> {
  const { readKeystoreFile, keystoreAccount, deriveAddress } = await import('@dolly/wallet')
  const document = await readKeystoreFile(join(home, WALLET_FILE)).catch(() => undefined)
  if (document === undefined) return null
  const { params, account } = keystoreAccount(document)
  return deriveAddress(account, params, 0, 0).address
}

/** Whether the agent's own VPN is up: its WireGuard (`own_wg`) or an OpenVPN `tun` interface. */
function vpnUp(): boolean {
  return Object.keys(networkInterfaces()).some((name) => name === 'own_wg' || /^tun\d+$/.test(name))
}

/**
 * The IRC bot of `plebnet daemon` (AGENT.md §11), over TCP: answers from the daemon's status, the
 * ledger's chain and the wallet's xpub; a nick still equal to `nick_def` becomes `nick_def +
 * 1000..10000` (persisted) at start (§3.1 step 2); posts `child <tree> installed` for each new child
 * (§3.5) and `goodbye: <tree>` once the lease has less than 600 world s left (§3.6).
 */
export function createIrcComponent(deps: IrcComponentDeps, options: IrcComponentOptions): IrcComponent {
  const log = deps.log.child({ component: 'irc' })
  const cfg = options.config
  const early: Array<(bot: IrcBot) => void> = []
  let bot: IrcBot | undefined
  let watch: AbortController | undefined
  let watching: Promise<void> = Promise.resolve()
  let address: string | null = null

  const snapshot = async () => {
    const status = deps.status()
    if (status === undefined)
      throw new IrcError('IRC_STATUS_UNAVAILABLE', 'the daemon has no status yet; ask again in a moment', {})
    if (address === null) address = await walletAddress(options.home).catch(() => null)
    const store = deps.ledgerStore()
    return ircSnapshotOf(status, {
      initDate: cfg.initDate,
      createdAtMs: options.createdAtMs,
      coinWallet: address,
      ledger: store === undefined ? null : ledgerFigures(store, deps.publicKey),
      matchmakers: deps.matchmakers(),
      vpn: vpnUp(),
      selfState: options.selfState,
      vpsHost: cfg.vpsHost,
      bootstrapState: cfg.bootstrapState,
      worldNowMs: deps.worldNowMs(),
    })
  }

  const watchFamily = async (signal: AbortSignal, running: IrcBot): Promise<void> => {
    let known: Set<string> | undefined
    let saidGoodbye = false
    while (!signal.aborted) {
      const l = deps.status()?.lifecycle
      if (l !== undefined) {
        const trees = l.children.map((c) => c.tree).filter((t) => t !== '')
        if (known === undefined) known = new Set(trees)
        for (const tree of trees) {
          if (known.has(tree)) continue
          known.add(tree)
          running.post(`child ${tree} installed`)
        }
        const tree = deps.status()?.tree
        if (!saidGoodbye && tree !== undefined && l.leaseEndMs - deps.worldNowMs() < GOODBYE_BEFORE_MS) {
          saidGoodbye = true
          running.post(`goodbye: ${tree}`)
        }
      }
      await deps.clock.sleep(WATCH_INTERVAL_MS, { signal }).catch(() => undefined)
    }
  }

  const stopFile = join(options.home, IRC_STOP_FILE)
  const held = (): Promise<boolean> =>
    access(stopFile).then(
      () => true,
      () => false,
    )
  /** Counters of the bots stopped before (the operator's `irc stop` / `irc start` make new ones). */
  const before = { sessions: 0, commandsAnswered: 0, commandsDropped: 0, linesDropped: 0 }
  let nick = cfg.nick
  let heldStopped = false
  let switchLoop: AbortController | undefined
  let switching: Promise<void> = Promise.resolve()

  const startBot = async (): Promise<void> => {
    if (nick === cfg.nickDef) {
      nick = collisionNick(cfg.nickDef, deps.rng)
      await persistNick(options.home, nick).catch((err: unknown) =>
        log.warn('irc.nick_persist_failed', { err }),
      )
    }
    const running = createIrcBot(
      {
        clock: deps.clock,
        rng: deps.rng,
        log: deps.log,
        connect: connectTcpLink,
        snapshot,
        persistNick: (next) => persistNick(options.home, next),
        ...(deps.reportError === undefined ? {} : { reportError: deps.reportError }),
      },
      {
        host: cfg.server,
        port: cfg.port,
        channel: cfg.channel,
        nick,
        nickDef: cfg.nickDef,
        heartbeatMs: cfg.heartbeatMs,
      },
    )
    bot = running
    for (const f of early.splice(0)) f(running)
    await running.start()
    watch = new AbortController()
    watching = watchFamily(watch.signal, running)
  }

  const stopBot = async (): Promise<void> => {
    watch?.abort()
    await watching
    const running = bot
    bot = undefined
    if (running === undefined) return
    await running.stop()
    const s = running.state()
    nick = s.nick
    before.sessions += s.sessions
    before.commandsAnswered += s.commandsAnswered
    before.commandsDropped += s.commandsDropped
    before.linesDropped += s.linesDropped
  }

  /** Follows the operator's switch: the file there stops the bot, its removal starts it again. */
  const followSwitch = async (signal: AbortSignal): Promise<void> => {
    while (!signal.aborted) {
      await deps.clock.sleep(IRC_SWITCH_POLL_MS, { signal }).catch(() => undefined)
      if (signal.aborted) return
      const now = await held()
      if (now === heldStopped) continue
      heldStopped = now
      try {
        if (now) {
          log.info('irc.stopped_by_operator', { file: stopFile })
          early.length = 0
          await stopBot()
        } else {
          log.info('irc.started_by_operator', { file: stopFile })
          await startBot()
        }
      } catch (err) {
        log.error('irc.switch_failed', { err })
      }
    }
  }

  const queue = (f: (b: IrcBot) => void): void => {
    if (bot !== undefined) f(bot)
    else if (!heldStopped && early.length < MAX_EARLY_LINES) early.push(f)
  }

  return {
    name: 'irc',
    async start() {
      if (switchLoop !== undefined) return
      switchLoop = new AbortController()
      heldStopped = await held()
      if (heldStopped) log.info('irc.held_stopped', { file: stopFile })
      else await startBot()
      switching = followSwitch(switchLoop.signal)
    },
    async stop() {
      switchLoop?.abort()
      await switching
      switchLoop = undefined
      await stopBot()
    },
    postError(component, message) {
      queue((b) => b.postError(component, message))
    },
    post(text) {
      queue((b) => b.post(text))
    },
    status() {
      const s = bot?.state()
      return {
        server: `${cfg.server}:${cfg.port}`,
        channel: cfg.channel,
        nick: s?.nick ?? nick,
        running: bot !== undefined,
        connected: s?.connected ?? false,
        // In the channel once the server echoed the JOIN (the bot hears commands from then on).
        joined: s?.inChannel ?? false,
        sessions: before.sessions + (s?.sessions ?? 0),
        commandsAnswered: before.commandsAnswered + (s?.commandsAnswered ?? 0),
        commandsDropped: before.commandsDropped + (s?.commandsDropped ?? 0),
        linesDropped: before.linesDropped + (s?.linesDropped ?? 0),
      }
    },
  }
}
