import type { Clock, Logger } from '@dolly/base'
import type { LifecycleStatus } from '../lifecycle/lifecycle-status.ts'
import type { TunnelsStatus } from '../tunnels/tunnel-status.ts'
import type { IrcStatus } from '../irc/irc-status.ts'
import type { MarketStatusSource } from '../market/market-status.ts'
import { handleStatusRequest, type AgentStatus, type StatusRequest, type StatusResponse } from './status.ts'

/** Default heartbeat period (ms): the parent waits for the first one, Vision for the later ones. */
export const HEARTBEAT_INTERVAL_MS = 5_000

/**
 * A long-lived part of the daemon (the lifecycle tick, gossip, the relay, the IRC bot). The daemon
 * starts them in order after the status API and stops them in reverse order (js-libp2p `Startable`).
 */
export interface DaemonComponent {
  readonly name: string
  start(): Promise<void>
  stop(): Promise<void>
}

/** A bound HTTP listener of the status API. */
export interface StatusListener {
  readonly url: string
  stop(): Promise<void>
}

/** Ports of the daemon. */
export interface DaemonDeps {
  readonly clock: Clock
  readonly log: Logger
  /** Binds the status API to `listen` and serves `handler`; the node:http adapter in production. */
  readonly serveStatus: (
    listen: { host: string | undefined; port: number },
    handler: (request: StatusRequest) => StatusResponse,
  ) => Promise<StatusListener>
  /** Components plugged in by the composition root (the lifecycle tick later). */
  readonly components?: readonly DaemonComponent[]
  /** The lifecycle tick's latest view for the status API; undefined before the first tick. */
  readonly lifecycleStatus?: () => LifecycleStatus | undefined
  /** The tunnel component's counters for the full status; undefined while it is not running. */
  readonly tunnelsStatus?: () => TunnelsStatus | undefined
  /** The token market (`[market] enabled`): the status's `market` block and the `/market/*` queries. */
  readonly market?: MarketStatusSource
  /** The IRC bot's block of the full status (`[irc] server` set). */
  readonly ircStatus?: () => IrcStatus
}

/** Who the agent is, as the status API shows it; everything but the clock-driven fields. */
export type AgentDescription = Omit<
  AgentStatus,
  'format' | 'version' | 'startedAtMs' | 'heartbeatAtMs' | 'heartbeats' | 'lifecycle' | 'market' | 'irc'
>

/** Options of the daemon. */
export interface DaemonOptions {
  readonly agent: AgentDescription
  readonly listen: { readonly host: string | undefined; readonly port: number }
  readonly heartbeatIntervalMs?: number
}

/** The running daemon. */
export interface Daemon {
  /** Starts the status API, the heartbeat and the components; idempotent. */
  start(): Promise<void>
  /** Stops everything it started, in reverse order; idempotent. */
  stop(): Promise<void>
  /** The status document now. */
  status(): AgentStatus
  /** URL of the status API once started. */
  readonly url: string | undefined
  /** Resolves when the daemon has stopped. */
  readonly stopped: Promise<void>
}

/**
 * Builds the long-running `plebnet daemon` (DESIGN.md §4): the read-only status API and a heartbeat
 * loop on the Clock, plus the components handed in. The first heartbeat is beaten at start, so a
 * parent waiting for its child sees it as soon as the API answers.
 */
export function createDaemon(deps: DaemonDeps, options: DaemonOptions): Daemon {
  const intervalMs = options.heartbeatIntervalMs ?? HEARTBEAT_INTERVAL_MS
  const log = deps.log.child({ component: 'daemon' })
  const components = deps.components ?? []
  let startedAtMs = 0
  let heartbeatAtMs: number | null = null
  let heartbeats = 0
  let listener: StatusListener | undefined
  let loop: AbortController | undefined
  let loopDone: Promise<void> = Promise.resolve()
  let starting: Promise<void> | undefined
  let stopping: Promise<void> | undefined
  const started: DaemonComponent[] = []
  const { promise: stopped, resolve: markStopped } = Promise.withResolvers<void>()

  const status = (): AgentStatus => {
    const lifecycle = deps.lifecycleStatus?.()
    const tunnels = deps.tunnelsStatus?.()
    const market = deps.market?.status()
    const irc = deps.ircStatus?.()
    return {
      format: 'dolly-status',
      version: 1,
      ...options.agent,
      startedAtMs,
      heartbeatAtMs,
      heartbeats,
      ...(lifecycle === undefined ? {} : { lifecycle }),
      ...(tunnels === undefined ? {} : { tunnels }),
      ...(market === undefined ? {} : { market }),
      ...(irc === undefined ? {} : { irc }),
    }
  }
  const beat = (): void => {
    heartbeatAtMs = deps.clock.nowMs()
    heartbeats += 1
  }
  const runLoop = async (signal: AbortSignal): Promise<void> => {
    while (!signal.aborted) {
      try {
        await deps.clock.sleep(intervalMs, { signal })
      } catch {
        return
      }
      beat()
    }
  }

  const daemon: Daemon = {
    get url() {
      return listener?.url
    },
    stopped,
    status,
    start() {
      starting ??= (async () => {
        startedAtMs = deps.clock.nowMs()
        beat()
        listener = await deps.serveStatus(options.listen, (request) =>
          handleStatusRequest(request, status(), deps.clock.nowMs(), deps.market),
        )
        loop = new AbortController()
        loopDone = runLoop(loop.signal)
        for (const component of components) {
          await component.start()
          started.push(component)
        }
        log.info('daemon.started', {
          tree: options.agent.tree,
          url: listener.url,
          components: components.map((c) => c.name),
        })
      })()
      return starting
    },
    stop() {
      stopping ??= (async () => {
        await starting?.catch(() => undefined)
        for (const component of started.reverse()) await component.stop()
        loop?.abort()
        await loopDone
        await listener?.stop()
        log.info('daemon.stopped', { tree: options.agent.tree, heartbeats })
        markStopped()
      })()
      return stopping
    },
  }
  return daemon
}
