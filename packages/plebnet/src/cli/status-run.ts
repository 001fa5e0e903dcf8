import { join } from 'node:path'
import { emit, formatBtc, type CliIo } from '@dolly/base'
import { isFullStatus, parseListenAddress, type AgentStatus, type AnyStatus } from '../daemon/status.ts'
import { readStatusToken } from '../daemon/adapters/status-token.ts'
import { STATUS_PORT } from '../replication/constants.ts'
import { ReplicationError } from '../replication/errors.ts'
import { fetchStatus } from '../daemon/adapters/status-client.ts'

/**
 * The work of `plebnet status` (cli/status.ts registers the command and loads this module when it
 * runs): reads this machine's daemon, or `host`'s, and prints its status.
 */
export async function showStatus(
  io: CliIo,
  opts: { readonly home: string; readonly host?: string; readonly json?: boolean },
): Promise<void> {
  const { home } = opts
  const reader = await agentStatusReader(home, opts.host)
  const { url } = reader
  const status = await reader.read()
  if (status !== undefined) {
    emit(io, opts.json, status, () => renderStatus(status, Date.now()))
    return
  }
  // The record's schema (zod) loads only on this failure path: a status that answers never needs it.
  const { readAgentRecord } = await import('../daemon/adapters/agent-home.ts')
  const record = opts.host === undefined ? await readAgentRecord(home) : undefined
  throw new ReplicationError(
    'REPLICATION_HEARTBEAT_TIMEOUT',
    record === undefined
      ? `no agent answers ${url}/status`
      : `agent ${record.tree} (${join(home, 'agent.json')}) is set up but its daemon does not answer ${url}/status; start it with plebnet daemon`,
    { url },
  )
}

/**
 * A reader of an agent's status API: this machine's daemon (`127.0.0.1:8480`) or `host`
 * (`IP[:port]`), presenting the status token from `home` (local tools hold it, 0600: the full status
 * even when the daemon listens on a non-loopback address only). The token is read once; `read()`
 * is undefined when nothing answers.
 *
 * @throws ReplicationError REPLICATION_USAGE when `host` is not `IP[:port]`
 */
export async function agentStatusReader(
  home: string,
  hostOption: string | undefined,
): Promise<{ url: string; read(): Promise<AnyStatus | undefined> }> {
  const target = parseListenAddress(hostOption ?? '127.0.0.1', STATUS_PORT)
  if (target === undefined || target.host === undefined) {
    throw new ReplicationError('REPLICATION_USAGE', `--host ${hostOption ?? ''} is not IP[:port]`, {})
  }
  const host = target.host.includes(':') ? `[${target.host}]` : target.host
  const url = `http://${host}:${target.port}`
  const token = await readStatusToken(home)
  return { url, read: () => fetchStatus(url, token === undefined ? {} : { token }) }
}

/** Renders a status for people. */
export function renderStatus(status: AnyStatus, nowMs: number): string {
  const age =
    status.heartbeatAtMs === null ? 'never' : `${Math.round((nowMs - status.heartbeatAtMs) / 1000)} s ago`
  if (!isFullStatus(status))
    return [
      `agent ${status.tree} (v${status.softwareVersion}), public status only (no status token for it)`,
      `identity: ${status.publicKey}`,
      `parent: ${status.parentTree ?? '(root)'}`,
      `started: ${new Date(status.startedAtMs).toISOString()}; heartbeat ${age} (${status.heartbeats} beats)`,
      `handing over: ${status.handingOver ? 'yes' : 'no'}`,
    ].join('\n')
  return [
    `agent ${status.tree} (v${status.softwareVersion}) on ${status.hostIp}`,
    `identity: ${status.publicKey}`,
    `parent: ${status.parentTree ?? '(root)'}`,
    `started: ${new Date(status.startedAtMs).toISOString()}; heartbeat ${age} (${status.heartbeats} beats)`,
    `mode: ${status.testnet ? 'testnet' : 'mainnet'}${status.exitNode ? ', exit node' : ''}`,
    ...tunnelLines(status),
    ...(status.irc === undefined ? [] : [ircLine(status.irc)]),
    ...marketLines(status),
    ...lifecycleLines(status),
  ].join('\n')
}

/** The token market's lines (issue 17): balances, open orders, last price, trades, matchmaker. */
function marketLines(status: AgentStatus): string[] {
  const m = status.market
  if (m === undefined) return []
  const btc =
    status.lifecycle === undefined
      ? 'BTC unknown until the first tick'
      : `${formatBtc(BigInt(status.lifecycle.spendableSats))} BTC`
  const orders = m.orders
    .slice(0, 5)
    .map(
      (o) =>
        `${o.side} #${o.number} ${mb(o.mbBytes)} MB at ${o.priceSatPerMb} sat/MB (${mb(o.filledBytes)} MB filled)`,
    )
  const s = m.settlement
  const mm = m.matchmaker
  return [
    `market: ${m.mbBalanceBytes === null ? 'ledger not open' : `${mb(m.mbBalanceBytes)} MB`}, ${btc}; ${m.orders.length} open order(s)${orders.length === 0 ? '' : `: ${orders.join(', ')}${m.orders.length > orders.length ? ', …' : ''}`}; last price ${m.lastTrade === null ? 'none yet' : `${m.lastTrade.priceSatPerMb} sat/MB`}`,
    s === null
      ? '  trades: settlement not started (the wallet opens at the first tick)'
      : `  trades: ${s.completed} completed, ${s.open} open, ${s.aborted} aborted; received ${s.satsReceived} sats for ${mb(s.mbSoldBytes)} MB sold, paid ${s.satsPaid} sats for ${mb(s.mbBoughtBytes)} MB bought`,
    ...(mm === null
      ? []
      : [
          `  matchmaker: book ${mm.bids} bid(s), ${mm.asks} ask(s); ${mm.matches} match(es); orders accepted ${mm.accepted}, refused ${mm.refused}`,
        ]),
  ]
}

/** The IRC bot's line (issue 18): where it talks and whether it is in its channel. */
export function ircLine(irc: NonNullable<AgentStatus['irc']>): string {
  const state = !irc.running
    ? 'stopped by the operator (plebnet irc start)'
    : irc.joined
      ? 'in the channel'
      : irc.connected
        ? 'connected, joining'
        : 'connecting'
  return `irc: ${irc.nick} on ${irc.server} ${irc.channel}: ${state}; ${irc.sessions} session(s), ${irc.commandsAnswered} command(s) answered, ${irc.commandsDropped} dropped`
}

function tunnelLines(status: AgentStatus): string[] {
  const t = status.tunnels
  if (t === undefined) return []
  const c = t.circuits
  return [
    `tunnels: ${t.exit ? 'relay and exit' : t.relay ? 'relay' : 'initiator'}, ${t.hopsKnown} hops known; circuits relayed ${c.relayedNow} now (${c.relayedTotal} total), exited ${c.exitedNow} now (${c.exitedTotal} total); bytes up ${t.bytesUp}, down ${t.bytesDown}`,
    ...(t.payments === undefined
      ? []
      : [
          `tokens (${t.payments.rule} rule): earned ${mb(t.payments.earned)} MB (received ${mb(t.payments.received)} MB), paid ${mb(t.payments.paid)} MB; ledger balance ${mb(t.payments.balance)} MB; ${t.payments.cutUnpaid} circuit(s) cut unpaid${settlement(t.payments.unsettled)}`,
        ]),
  ]
}

/** Whether the payments settled (nothing owed, forwarded or in flight), when the agent reports it. */
function settlement(u: NonNullable<NonNullable<AgentStatus['tunnels']>['payments']>['unsettled']): string {
  if (u === undefined) return ''
  if (u.ownBytes === '0' && u.forwardTokens === '0' && u.inFlight === 0 && u.abandoned === 0)
    return '; payments settled'
  return `; unsettled: ${u.ownBytes} own bytes unpaid, ${mb(u.forwardTokens)} MB to forward, ${u.inFlight} payment(s) in flight, ${u.abandoned} given up`
}

/** Token bytes (a decimal string) as MB with two decimals (MB = bytes / 2^20). */
function mb(bytes: string): string {
  return (Number(BigInt(bytes)) / 2 ** 20).toFixed(2)
}

function lifecycleLines(status: AgentStatus): string[] {
  const l = status.lifecycle
  if (l === undefined) return ['lifecycle: no tick yet']
  const leftH = (l.leaseEndMs - l.worldNowMs) / 3_600_000
  return [
    `balance: ${formatBtc(BigInt(l.spendableSats))} BTC spendable; lease ends ${new Date(l.leaseEndMs).toISOString()} (${leftH.toFixed(1)} world hours left)`,
    `server: ${l.self === null ? 'installed by hand' : `${l.self.provider}/${l.self.option}`}`,
    `stops buying ${new Date(l.stopBuyingAtMs).toISOString()}; sends the rest to its heir ${new Date(l.sweepAtMs).toISOString()}`,
    `earning: ${l.earning}; market: ${l.market}; tick: ${l.idle ?? 'busy'}`,
    ...(l.selling === undefined
      ? []
      : [
          `selling (${l.selling.strategy}, ${l.selling.rule}): ${mb(l.selling.availableMbBytes)} MB to offer${
            l.selling.placed === null
              ? ''
              : `; placed ask #${l.selling.placed.number}: ${mb(l.selling.placed.mbBytes)} MB for ${l.selling.placed.sats} sats`
          }${l.selling.cancelled === null ? '' : `; cancelled ask #${l.selling.cancelled}`}`,
        ]),
    `children: ${l.children.length === 0 ? 'none' : l.children.map((c) => `${c.tree} on ${c.ip ?? '?'} (${c.provider}/${c.option})`).join(', ')}${l.pending > 0 ? `; ${l.pending} server(s) bought, not yet installed` : ''}`,
    ...l.events.slice(-5).map((e) => `  ${new Date(e.atMs).toISOString()} ${e.kind}: ${e.text}`),
  ]
}
