import { isHandingOver } from '../../daemon/status.ts'
import { fetchStatus } from '../../daemon/adapters/status-client.ts'
import { STATUS_PORT } from '../../replication/constants.ts'
import type { AgentProbe } from '../ports.ts'

/** Real ms an agent has to answer the liveness probe before the heir search moves on. */
const PROBE_MS = 3_000

/**
 * The heir probe over HTTP: the agent at `host` answers its status API with the expected tree path
 * and is not handing over itself (coins sent to an agent past its own sweep would stay on a dying
 * server, or bounce between a parent and a child whose leases end together).
 */
export const probeAgentStatus: AgentProbe = async (host, tree, port = STATUS_PORT) => {
  const status = await fetchStatus(`http://${host.includes(':') ? `[${host}]` : host}:${port}`, {
    timeoutMs: PROBE_MS,
  })
  // Peers get the public status: `handingOver` tells the same as the full one's sweep time.
  return status?.tree === tree && !isHandingOver(status)
}
