import { parseStatus, type AgentStatus } from '@dolly/plebnet'
import { updateCensus, type FamilyAgent } from '../family.ts'

/** The agents' status port (plebnet's STATUS_PORT). */
const STATUS_PORT = 8480
/** Real ms an agent gets to answer one poll. */
const POLL_TIMEOUT_MS = 2_000

async function fetchStatus(ip: string): Promise<AgentStatus | undefined> {
  try {
    const res = await fetch(`http://${ip}:${STATUS_PORT}/status`, {
      signal: AbortSignal.timeout(POLL_TIMEOUT_MS),
    })
    return res.ok ? parseStatus(await res.json()) : undefined
  } catch {
    return undefined
  }
}

/** A census of the family: polls every host's status API and remembers agents that died. */
export interface FamilyCensus {
  poll(hostIps: readonly string[]): Promise<readonly FamilyAgent[]>
  agents(): readonly FamilyAgent[]
}

/** Creates an empty census. */
export function createFamilyCensus(): FamilyCensus {
  let agents: readonly FamilyAgent[] = []
  return {
    async poll(hostIps) {
      const answered = (
        await Promise.all(hostIps.map(async (ip) => ({ ip, status: await fetchStatus(ip) })))
      ).flatMap((r) => (r.status === undefined ? [] : [{ ip: r.ip, status: r.status }]))
      agents = updateCensus(agents, answered)
      return agents
    },
    agents: () => agents,
  }
}
