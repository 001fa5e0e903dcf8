import type { Clock, Logger, Rng } from '@dolly/base'
import type { DaemonComponent } from '../../daemon/daemon.ts'
import { openAgentRuntime, type AgentRuntime } from '../../lifecycle/adapters/agent-runtime.ts'
import { withTickLock } from '../../lifecycle/adapters/run-tick.ts'
import { createTickComponent, type TickLoopOptions } from '../../lifecycle/adapters/tick-component.ts'
import type { LifecycleStatus } from '../../lifecycle/lifecycle-status.ts'
import { createAgent, type Agent } from '../create-agent.ts'
import { agentOptionsFrom, portsFromRuntime } from './ports-from-runtime.ts'

/** Ports of the daemon's agent. */
export interface AgentComponentDeps {
  readonly realClock: Clock
  readonly rng: Rng
  readonly log: Logger
  /** Environment (config overrides, wallet passphrase). */
  readonly env: Readonly<Record<string, string | undefined>>
}

/**
 * The daemon's lifecycle component: ONE agent for the daemon's life. Its ports (wallet, SQLite, shop
 * drivers) are opened at the first tick, under the tick lock, and kept open until the daemon stops;
 * an open that fails is logged like any tick failure and retried at the next tick. Each tick still
 * takes the tick lock, so a `plebnet check` run beside the daemon never overlaps it.
 */
export function createAgentComponent(
  deps: AgentComponentDeps,
  options: TickLoopOptions & { readonly home: string },
): DaemonComponent & { readonly ticks: () => number; readonly latest: () => LifecycleStatus | undefined } {
  let opened: { readonly rt: AgentRuntime; readonly agent: Agent } | undefined
  const open = async (): Promise<Agent> => {
    if (opened !== undefined) return opened.agent
    const rt = await openAgentRuntime({ rng: deps.rng, log: deps.log, env: deps.env }, options.home)
    try {
      const ports = portsFromRuntime(rt, {
        rng: deps.rng,
        log: deps.log,
        env: deps.env,
        realClock: deps.realClock,
      })
      opened = { rt, agent: createAgent(ports, agentOptionsFrom(rt.config)) }
    } catch (err) {
      rt.close()
      throw err
    }
    return opened.agent
  }
  const ticker = createTickComponent(
    {
      realClock: deps.realClock,
      log: deps.log,
      tick: () => withTickLock(options.home, async () => (await open()).tick()),
    },
    options,
  )
  return {
    name: ticker.name,
    ticks: ticker.ticks,
    latest: ticker.latest,
    start: () => ticker.start(),
    async stop() {
      await ticker.stop()
      const was = opened
      opened = undefined
      if (was !== undefined) {
        was.agent.close()
        was.rt.close()
      }
    },
  }
}
