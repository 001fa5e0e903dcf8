import { isFullStatus, type AgentStatus, type AnyStatus } from '@dolly/plebnet'

/** One agent of the family as the world sees it (`dolly world status --json` → `components.agents`). */
export interface FamilyAgent {
  /** Ed25519 public key, hex. */
  readonly id: string
  readonly tree: string
  readonly parentTree: string | null
  readonly hostIp: string
  /** The shop its server was bought from; `operator` for the genesis host. */
  readonly provider: string | null
  readonly alive: boolean
  /** Spendable sats at its last tick; null before its first tick. A dead agent keeps what it last reported. */
  readonly balanceSats: string | null
  readonly leaseEndMs: number | null
  readonly worldNowMs: number | null
  /** Its latest event (`kind: text`), or null. */
  readonly lastEvent: string | null
  readonly idle: string | null
  /**
   * The `tunnels` block of its full status document (circuits relayed and exited, bytes carried:
   * issue 16) as the agent reported it; absent when it reported none.
   */
  readonly tunnels?: NonNullable<AgentStatus['tunnels']>
  /**
   * The `market` block of its full status document (open orders, trades settled, sats and MB moved,
   * last price: issue 17) as the agent reported it; absent when it runs no market.
   */
  readonly market?: NonNullable<AgentStatus['market']>
}

/**
 * The census after one poll: agents that answered now are alive with their fresh status; agents seen
 * before that no longer answer are dead (their host's lease ended or it was destroyed), except those
 * whose id is in `excused` (a host that still exists and missed only a poll or two: a slow answer on
 * a busy machine is not a death), which keep what they last reported. Pure.
 */
export function updateCensus(
  previous: readonly FamilyAgent[],
  answered: readonly { readonly ip: string; readonly status: AnyStatus }[],
  excused: ReadonlySet<string> = new Set(),
): FamilyAgent[] {
  const providerOf = new Map<string, string>()
  for (const { status } of answered) {
    for (const c of lifecycleOf(status)?.children ?? []) providerOf.set(c.tree, c.provider)
  }
  for (const a of previous) if (a.provider !== null) providerOf.set(a.tree, a.provider)
  const fresh = answered.map(({ ip, status }): FamilyAgent => {
    const l = lifecycleOf(status)
    const last = l?.events.at(-1)
    return {
      id: status.publicKey,
      tree: status.tree,
      parentTree: status.parentTree,
      hostIp: ip,
      provider:
        l?.self?.provider ??
        providerOf.get(status.tree) ??
        (status.parentTree?.includes('.') === false ? 'operator' : null),
      alive: true,
      balanceSats: l?.spendableSats ?? null,
      leaseEndMs: l?.leaseEndMs ?? null,
      worldNowMs: l?.worldNowMs ?? null,
      lastEvent: last === undefined ? null : `${last.kind}: ${last.text}`,
      idle: l?.idle ?? null,
      ...tunnelsOf(status),
      ...marketOf(status),
    }
  })
  const seen = new Set(fresh.map((a) => a.id))
  const dead = previous
    .filter((a) => !seen.has(a.id))
    .map((a) => (a.alive && excused.has(a.id) ? a : { ...a, alive: false }))
  return [...fresh, ...dead].sort((x, y) => (x.tree < y.tree ? -1 : x.tree > y.tree ? 1 : 0))
}

/** `{ tunnels }` when the status document carries a `tunnels` block (agents with tunnels, issue 16), else `{}`. */
function tunnelsOf(status: AnyStatus): Pick<FamilyAgent, 'tunnels'> {
  const tunnels = isFullStatus(status) ? status.tunnels : undefined
  return tunnels === undefined ? {} : { tunnels }
}

/** `{ market }` when the status document carries a `market` block (`[market] enabled`, issue 17), else `{}`. */
function marketOf(status: AnyStatus): Pick<FamilyAgent, 'market'> {
  const market = isFullStatus(status) ? status.market : undefined
  return market === undefined ? {} : { market }
}

/** The lifecycle part of a full status; a public status (no token for the agent) has none. */
function lifecycleOf(status: AnyStatus): AgentStatus['lifecycle'] {
  return isFullStatus(status) ? status.lifecycle : undefined
}

function formatSats(text: string | null): string {
  if (text === null) return '-'
  const sats = BigInt(text)
  return `${sats / 100_000_000n}.${(sats % 100_000_000n).toString().padStart(8, '0')}`
}

function leaseLeft(agent: FamilyAgent): string {
  if (!agent.alive) return 'gone'
  if (agent.leaseEndMs === null || agent.worldNowMs === null) return '-'
  const hours = Math.max(0, (agent.leaseEndMs - agent.worldNowMs) / 3_600_000)
  return hours >= 48 ? `${(hours / 24).toFixed(1)} d` : `${hours.toFixed(1)} h`
}

/**
 * The live view's text: one line per agent, indented by generation. A dead agent shows the balance
 * and event it last reported, marked `last`, and no lease.
 */
export function renderFamily(agents: readonly FamilyAgent[]): string {
  if (agents.length === 0) return 'family: no agent answers yet'
  const generations = new Set(agents.map((a) => a.tree.split('.').length)).size
  const lines = [
    `family: ${agents.filter((a) => a.alive).length} alive, ${agents.filter((a) => !a.alive).length} dead, ${generations} generation(s)`,
  ]
  for (const a of agents) {
    const depth = a.tree.split('.').length - 2
    lines.push(
      `${'  '.repeat(Math.max(0, depth))}${a.alive ? '●' : '✝'} ${a.tree.padEnd(14)} ${a.hostIp.padEnd(12)} ${(a.provider ?? '?').padEnd(10)} ${a.alive ? '' : 'last '}${formatSats(a.balanceSats)} BTC  lease ${leaseLeft(a).padStart(7)}  ${a.lastEvent ?? a.idle ?? ''}`.trimEnd(),
    )
  }
  return lines.join('\n')
}
