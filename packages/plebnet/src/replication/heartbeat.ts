import type { AbortOptions, Clock } from '@dolly/base'
import type { AnyStatus } from '../daemon/status.ts'
import { HEARTBEAT_POLL_MS } from './constants.ts'
import { ReplicationError } from './errors.ts'

/**
 * Polls a child's status API until it shows the expected tree path with a heartbeat (AGENT.md §3.5:
 * "the parent waits for the child's first heartbeat with a timeout").
 *
 * @throws ReplicationError REPLICATION_HEARTBEAT_TIMEOUT
 */
export async function waitForHeartbeat(
  deps: {
    readonly clock: Clock
    readonly probeStatus: (url: string, options: AbortOptions) => Promise<AnyStatus | undefined>
  },
  target: { readonly ip: string; readonly port: number; readonly tree: string; readonly timeoutMs: number },
  abort: AbortOptions = {},
): Promise<AnyStatus> {
  const url = `http://${target.ip.includes(':') ? `[${target.ip}]` : target.ip}:${target.port}`
  const deadline = deps.clock.nowMs() + target.timeoutMs
  for (;;) {
    const seen = await deps.probeStatus(url, abort)
    if (seen !== undefined && seen.tree === target.tree && seen.heartbeatAtMs !== null) return seen
    if (deps.clock.nowMs() >= deadline) {
      throw new ReplicationError(
        'REPLICATION_HEARTBEAT_TIMEOUT',
        `child ${target.tree} on ${target.ip} did not answer ${url}/status with a heartbeat in time; see /root/plebnet.log there`,
        { step: 'heartbeat', url, seenTree: seen?.tree ?? null },
      )
    }
    await deps.clock.sleep(HEARTBEAT_POLL_MS, abort)
  }
}
