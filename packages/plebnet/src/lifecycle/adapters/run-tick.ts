import type { Checkpoint, Clock, Logger, Rng } from '@dolly/base'
import { createAgent, type TickReport } from '../../agent/create-agent.ts'
import { agentOptionsFrom, portsFromRuntime } from '../../agent/adapters/ports-from-runtime.ts'
import type { AgentProbe } from '../../agent/ports.ts'
import type { AgentRecord } from '../../daemon/agent-record.ts'
import { readAgentRecord } from '../../daemon/adapters/agent-home.ts'
import { LifecycleError } from '../errors.ts'
import { openAgentRuntime, type AgentRuntime } from './agent-runtime.ts'
import type { LifecycleStore } from './state-store.ts'
import { withTickLock } from './tick-lock.ts'

export type { TickReport } from '../../agent/create-agent.ts'

/** Ports of a tick. */
export interface TickDeps {
  readonly rng: Rng
  readonly log: Logger
  readonly env: Readonly<Record<string, string | undefined>>
  /** Real-time clock for SSH and heartbeat waits of create-child. */
  readonly realClock: Clock
  /** Whether an agent can inherit (default: its status API names its tree and it is not handing over itself). */
  readonly agentAlive?: AgentProbe
  /** Fault injection at the named steps of `KILL_POINTS` (default: none). */
  readonly checkpoint?: Checkpoint
}

export { LOCKED_TICK, withTickLock } from './tick-lock.ts'

/**
 * One check tick (AGENT.md §3.3) for the agent in `home` (`plebnet check`): takes the tick lock,
 * opens the agent's ports, builds the agent, ticks once and closes everything.
 */
export async function runTick(deps: TickDeps, home: string): Promise<TickReport> {
  return withTickLock(home, async () => {
    const record = await readAgentRecord(home)
    if (record === undefined)
      throw new LifecycleError('LIFECYCLE_NOT_SET_UP', `no agent in ${home}: run plebnet setup`, { home })
    const rt = await openAgentRuntime(deps, home)
    try {
      const agent = createAgent(portsFromRuntime(rt, deps), agentOptionsFrom(rt.config))
      try {
        return await agent.tick()
      } finally {
        agent.close()
      }
    } finally {
      rt.close()
    }
  })
}

/**
 * The tick over an opened runtime and state store for the agent `record` (the caller holds the tick
 * lock and closes both): the agent of {@link runTick} built over them.
 */
export async function runTickWith(
  deps: TickDeps,
  rt: AgentRuntime,
  store: LifecycleStore,
  record: AgentRecord,
): Promise<TickReport> {
  const ports = portsFromRuntime(rt, deps, { lifecycle: store })
  const agent = createAgent(
    {
      ...ports,
      store: {
        ...ports.store,
        record: { load: () => Promise.resolve(record), save: (r) => ports.store.record.save(r) },
      },
    },
    agentOptionsFrom(rt.config),
  )
  return agent.tick()
}
