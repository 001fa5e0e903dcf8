import { STATUS_TOKEN_FILE, parseAnyStatus, replicationConstants, type AnyStatus } from '@dolly/plebnet'
import type { WorldHost } from '../../hosts/types.ts'
import { updateCensus, type FamilyAgent } from '../family.ts'

/** The agents' status port (plebnet's STATUS_PORT). */
const STATUS_PORT = 8480
/** Real ms an agent gets to answer one poll. */
const POLL_TIMEOUT_MS = 5_000
/**
 * Polls in a row an agent whose host still exists may miss before the census calls it dead: under
 * load (a 2-core machine running a world, its users and tests) a status answer can take longer than
 * the poll's timeout, and one slow answer once marked a whole living family dead.
 */
export const MAX_MISSED_POLLS = 3
/**
 * Real ms an agent whose host still exists must also have been silent before the census calls it
 * dead. The world polls from several places (the user fleet, `dolly world status`, genesis), so a
 * count of misses alone shrinks with every extra caller: in a three-month world at 2,880× with a
 * dozen daemons on two cores, all thirteen living agents were called dead within a world month.
 */
export const MIN_SILENCE_MS = 60_000
/** Where an agent installed on a world host keeps its status token (its home is CHILD_HOME). */
export const HOST_STATUS_TOKEN_PATH = `${replicationConstants.CHILD_HOME}/${STATUS_TOKEN_FILE}`

async function fetchStatus(ip: string, token: string | undefined): Promise<AnyStatus | undefined> {
  try {
    const res = await fetch(`http://${ip}:${STATUS_PORT}/status`, {
      signal: AbortSignal.timeout(POLL_TIMEOUT_MS),
      ...(token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } }),
    })
    return res.ok ? parseAnyStatus(await res.json()) : undefined
  } catch {
    return undefined
  }
}

/** A census of the family: polls every host's status API and remembers agents that died. */
export interface FamilyCensus {
  poll(hostIps: readonly string[]): Promise<readonly FamilyAgent[]>
  agents(): readonly FamilyAgent[]
}

/**
 * Creates an empty census. Agents show peers only their public status (plebnet daemon README);
 * the world runs their hosts, so `readToken` reads each agent's status token from its host
 * (`HOST_STATUS_TOKEN_PATH`) and the census gets the full status. Without a token (or when reading
 * it fails) the agent is listed from its public status: alive, tree, no balance or lease.
 */
export function createFamilyCensus(
  options: {
    readonly readToken?: (ip: string) => Promise<string | undefined>
    /** Real time, ms (tests pass their own). */
    readonly nowMs?: () => number
  } = {},
): FamilyCensus {
  const nowMs = options.nowMs ?? Date.now
  let agents: readonly FamilyAgent[] = []
  // Consecutive polls each living agent (by id) did not answer while its host still existed, and
  // when it last answered (real ms).
  const missed = new Map<string, number>()
  const lastAnswerMs = new Map<string, number>()
  // Callers polling at the same time share one poll (one miss each, not one per caller).
  let inflight: Promise<readonly FamilyAgent[]> | undefined
  // A token never changes once written; a host id is reused only after its host is gone.
  const tokens = new Map<string, string>()
  const tokenOf = async (ip: string): Promise<string | undefined> => {
    const held = tokens.get(ip)
    if (held !== undefined || options.readToken === undefined) return held
    const token = await options.readToken(ip).catch(() => undefined)
    if (token !== undefined) tokens.set(ip, token)
    return token
  }
  async function pollOnce(hostIps: readonly string[]): Promise<readonly FamilyAgent[]> {
    const answered = (
      await Promise.all(hostIps.map(async (ip) => ({ ip, status: await fetchStatus(ip, await tokenOf(ip)) })))
    ).flatMap((r) => (r.status === undefined ? [] : [{ ip: r.ip, status: r.status }]))
    for (const ip of tokens.keys()) if (!hostIps.includes(ip)) tokens.delete(ip)
    const answeredIps = new Set(answered.map((a) => a.ip))
    const now = nowMs()
    const excused = new Set<string>()
    for (const a of agents) {
      if (!a.alive || answeredIps.has(a.hostIp)) {
        missed.delete(a.id)
        continue
      }
      const n = (missed.get(a.id) ?? 0) + 1
      missed.set(a.id, n)
      const silentMs = now - (lastAnswerMs.get(a.id) ?? now)
      if (hostIps.includes(a.hostIp) && (n < MAX_MISSED_POLLS || silentMs < MIN_SILENCE_MS)) excused.add(a.id)
    }
    agents = updateCensus(agents, answered, excused)
    for (const a of agents) {
      if (!a.alive) {
        missed.delete(a.id)
        lastAnswerMs.delete(a.id)
      } else if (answeredIps.has(a.hostIp)) lastAnswerMs.set(a.id, now)
    }
    return agents
  }
  return {
    poll(hostIps) {
      inflight ??= pollOnce(hostIps).finally(() => {
        inflight = undefined
      })
      return inflight
    },
    agents: () => agents,
  }
}

/** Reads an agent's status token from the world host with that IP (as root, inside the host). */
export function hostTokenReader(
  hosts: () => readonly WorldHost[],
): (ip: string) => Promise<string | undefined> {
  return async (ip) => {
    const host = hosts().find((h) => h.ip === ip)
    if (host === undefined) return undefined
    // Bounded: a host being torn down (its processes dying under load) must not hold up every poll.
    const read = await host.exec(['cat', HOST_STATUS_TOKEN_PATH], { timeoutMs: POLL_TIMEOUT_MS })
    const token = read.stdout.trim()
    return read.exitCode === 0 && /^[0-9a-f]{64}$/.test(token) ? token : undefined
  }
}
