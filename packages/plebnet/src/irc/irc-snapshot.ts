import { civilFromDays } from '@dolly/base'
import { parseQTable } from '@dolly/learning'
import type { AgentStatus } from '../daemon/status.ts'
import { predictLife } from '../lifecycle/life-expectancy.ts'
import type { IrcSnapshot } from './irc-replies.ts'
import type { LedgerFigures } from './ledger-figures.ts'
import type { QTableView } from './qtable-rows.ts'

const DAY_MS = 86_400_000
const MB = 2 ** 20

/** What the snapshot needs beside the status document. */
export interface SnapshotExtras {
  /** `vps.initdate`, or '' (then the agent's setup time is shown). */
  readonly initDate: string
  /** When setup made the agent (`agent.json` `createdAtMs`), real ms. */
  readonly createdAtMs: number
  /** The coin wallet's receive address; null without a wallet. */
  readonly coinWallet: string | null
  /** The agent's own chain figures; null while the ledger is not open. */
  readonly ledger: LedgerFigures | null
  /** Matchmakers the market uses (its contacts); 0 without a market. */
  readonly matchmakers: number
  /** Whether the agent's own VPN is up. */
  readonly vpn: boolean
  /** The offer this agent lives on as its parent bought it (`agent.json` `selfState`); null when bought by hand. */
  readonly selfState: { readonly provider: string; readonly option: string } | null
  /** `vps.host` and `lease.bootstrap_state` (`provider/option`): `!general` for an agent installed by hand. */
  readonly vpsHost: string
  readonly bootstrapState: string
  /** World ms now (the lease and life run on world time). */
  readonly worldNowMs: number
}

/** `%H:%M:%S %d-%m-%Y` of `ms`, UTC (the format of `vps.initdate`, AGENT.md §4). */
export function initDateText(ms: number): string {
  const two = (n: number): string => String(n).padStart(2, '0')
  const days = Math.floor(ms / DAY_MS)
  const s = Math.floor((ms - days * DAY_MS) / 1000)
  const { year, month, day } = civilFromDays(days)
  return `${two(Math.floor(s / 3600))}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)} ${two(day)}-${two(month)}-${year}`
}

function qtableView(wire: unknown): QTableView | null {
  if (wire === null || wire === undefined) return null
  try {
    const table = parseQTable(wire)
    return { offers: table.offers, q: table.q }
  } catch {
    return null
  }
}

/**
 * `!life` (AGENT.md §15) from the status: lease left at `worldNowMs`, and the days until the next
 * child is affordable from B (spendable sats), M (MB balance), ρ (MB uploaded per world day alive),
 * p (the last trade price, sat/MB) and C (the last purchase · 1.15, from the lifecycle block);
 * `unknown` before a purchase gave a C.
 */
function lifeOf(status: AgentStatus, extras: SnapshotExtras): IrcSnapshot['life'] {
  const l = status.lifecycle
  if (l === undefined) return null
  const leaseRemainingMs = l.leaseEndMs - extras.worldNowMs
  const cost = l.lifeExpectancy?.replicationCostSats
  if (cost === undefined || BigInt(cost) <= 0n) return { leaseRemainingMs, nextChildDays: 'unknown' }
  const mbBytes = status.market?.mbBalanceBytes ?? status.tunnels?.payments?.balance ?? '0'
  const mbAvailable = BigInt(mbBytes) / BigInt(MB)
  const daysAlive = Math.max(1 / 24, (extras.worldNowMs - l.birthMs) / DAY_MS)
  const earnMbPerDay = extras.ledger === null ? 0 : Number(extras.ledger.uploadedBytes) / MB / daysAlive
  const price = Number(status.market?.lastTrade?.priceSatPerMb ?? '0')
  const life = predictLife({
    leaseRemainingMs,
    btcSats: BigInt(l.spendableSats),
    mbAvailable,
    earnMbPerDay,
    priceSatPerMb: price,
    replicationCostSats: BigInt(cost),
  })
  return { leaseRemainingMs, nextChildDays: life.daysUntilNextChild }
}

/** What the IRC replies show, from the daemon's full status and the extras. Pure. */
export function ircSnapshotOf(status: AgentStatus, extras: SnapshotExtras): IrcSnapshot {
  const l = status.lifecycle
  const [bootProvider = '', bootOption = ''] = extras.bootstrapState.split('/')
  const self = l?.self ?? extras.selfState
  const mbBytes = status.market?.mbBalanceBytes ?? status.tunnels?.payments?.balance ?? null
  return {
    initDate: extras.initDate !== '' ? extras.initDate : initDateText(extras.createdAtMs),
    mbWallet: status.publicKey,
    coinWallet: extras.coinWallet,
    testnet: status.testnet,
    mbBalanceBytes: mbBytes === null ? null : BigInt(mbBytes),
    coinSats: l === undefined ? null : BigInt(l.spendableSats),
    matchmakers: extras.matchmakers,
    uploadedBytes: extras.ledger?.uploadedBytes ?? null,
    downloadedBytes: extras.ledger?.downloadedBytes ?? null,
    helped: extras.ledger?.helped ?? null,
    helpedBy: extras.ledger?.helpedBy ?? null,
    general: {
      host: self?.provider ?? (bootProvider || extras.vpsHost),
      option: self?.option ?? bootOption,
      vpn: extras.vpn,
      tree: status.tree,
      exitnode: status.exitNode,
    },
    life: lifeOf(status, extras),
    qtable: qtableView(l?.qtable),
  }
}
