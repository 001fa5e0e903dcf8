import { errorCode, type Clock, type Logger, type Rng } from '@dolly/base'
import type { DaemonComponent } from '../../daemon/daemon.ts'
import { withTickLock } from '../../lifecycle/adapters/tick-lock.ts'
import { createTickComponent, type TickLoopOptions } from '../../lifecycle/adapters/tick-component.ts'
import type { AgentRuntime } from '../../lifecycle/adapters/agent-runtime.ts'
import type { LifecycleStatus } from '../../lifecycle/lifecycle-status.ts'
import type { Agent } from '../create-agent.ts'
import type { TokenMarket } from '../ports.ts'

// The agent's code (wallet, cloudomate's drivers, the lifecycle, replication) is imported when the
// first tick opens it, not when the daemon starts: a daemon that has not ticked yet, or never ticks,
// does not carry it (issue 15: the idle daemon's memory).

/** An agent built over opened ports, and how to release them. */
export interface OpenedAgent {
  readonly agent: Agent
  /** Closes the agent and every port opened for it (wallet, SQLite, chain connection). */
  close(): void
}

/** Ports of the daemon's agent. */
export interface AgentComponentDeps {
  readonly realClock: Clock
  readonly log: Logger
  /** Opens the agent's ports and builds it (see {@link openHomeAgent}). */
  readonly open: () => Promise<OpenedAgent>
}

/**
 * Opens the agent of `home` from its config (lifecycle/adapters/agent-runtime.ts): wallet, SQLite,
 * chain connection and shop drivers, the file store, the SSH installer and the HTTP heir probe.
 */
export async function openHomeAgent(
  deps: {
    readonly realClock: Clock
    readonly rng: Rng
    readonly log: Logger
    /** Environment (config overrides, wallet passphrase). */
    readonly env: Readonly<Record<string, string | undefined>>
    /** The token market the sell step trades on (the daemon's market component); absent: no selling. */
    readonly market?: TokenMarket
    /**
     * Runs once the agent's wallet is open (the market's settlement pays and is paid from it); what
     * it returns is called when the agent closes. A failure is logged, never stops the agent.
     */
    readonly withWallet?: (opened: Pick<AgentRuntime, 'wallet' | 'chain'>) => Promise<() => Promise<void>>
  },
  home: string,
): Promise<OpenedAgent> {
  const [
    { openAgentRuntime },
    { createAgent },
    { agentOptionsFrom, portsFromRuntime },
    { openPostman },
    { loadEffectiveIni },
  ] = await Promise.all([
    import('../../lifecycle/adapters/agent-runtime.ts'),
    import('../create-agent.ts'),
    import('./ports-from-runtime.ts'),
    import('../../postcard/adapters/open-postman.ts'),
    import('../../config/adapters/load-watch-config.ts'),
  ])
  const rt = await openAgentRuntime({ rng: deps.rng, log: deps.log, env: deps.env }, home)
  try {
    // Postcards (AGENT.md §14) in world time: a postcard's purchase and install times are the tick's.
    const postman = openPostman(
      { clock: rt.clock, log: deps.log },
      home,
      await loadEffectiveIni(home, deps.env),
    )
    const agent = createAgent(
      portsFromRuntime(rt, { ...deps, ...(postman === undefined ? {} : { postman }) }),
      agentOptionsFrom(rt.config),
    )
    const stopWithWallet = await deps.withWallet?.(rt).catch((err: unknown) => {
      deps.log.warn('agent.with_wallet_failed', { code: errorCode(err) ?? 'error' })
      return undefined
    })
    return {
      agent,
      close() {
        void stopWithWallet?.()
        agent.close()
        rt.close()
      },
    }
  } catch (err) {
    rt.close()
    throw err
  }
}

/**
 * The daemon's lifecycle component: ONE agent for the daemon's life. Its ports are opened at the
 * first tick, under the tick lock, and kept open until the daemon stops; an open that fails is
 * logged like any tick failure and retried at the next tick. Each tick still takes the tick lock, so
 * a `plebnet check` run beside the daemon never overlaps it.
 */
export function createAgentComponent(
  deps: AgentComponentDeps,
  options: TickLoopOptions & { readonly home: string },
): DaemonComponent & { readonly ticks: () => number; readonly latest: () => LifecycleStatus | undefined } {
  let opened: OpenedAgent | undefined
  const agent = async (): Promise<Agent> => {
    opened ??= await deps.open()
    return opened.agent
  }
  const ticker = createTickComponent(
    {
      realClock: deps.realClock,
      log: deps.log,
      tick: () => withTickLock(options.home, async () => (await agent()).tick()),
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
      was?.close()
    },
  }
}
