import type { DriverContext } from '@dolly/cloudomate'
import type { AgentPorts } from '../ports.ts'

/** The context a shop driver's call runs in: a new session (cookies) per call, as a browser tab. */
export function shopContext(
  ports: Pick<AgentPorts, 'providers' | 'network' | 'clock' | 'rng' | 'log'>,
): DriverContext {
  return {
    session: ports.providers.purchase.newSession(),
    network: ports.network,
    clock: ports.clock,
    rng: ports.rng,
    log: ports.log,
  }
}
