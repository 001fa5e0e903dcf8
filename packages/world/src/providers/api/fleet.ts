/**
 * Servers of the API providers (SporeStack-like, BitLaunch-like): launched on request, provisioned
 * after a short delay in world time, given SSH keys, destroyed when deleted or when their paid time
 * runs out. The state step is pure; `createFleet` is its shell.
 */
import { errorCode, type Clock, type Logger } from '@dolly/base'
import { ProviderError } from '../errors.ts'
import type { ProvidedHost, ProviderProvisioner, RootPasswordChanger } from '../ports.ts'

/** Where an API server stands. */
export type FleetServerState =
  | { readonly kind: 'queued'; readonly provisionAtMs: number }
  | { readonly kind: 'provisioning' }
  | { readonly kind: 'running'; readonly hostId: string; readonly ip: string }
  | {
      readonly kind: 'deleted'
      readonly atMs: number
      readonly reason: 'deleted' | 'expired' | 'failed'
      readonly ip: string | null
    }

/** One server. */
export interface FleetServer {
  readonly id: string
  readonly ownerId: string
  readonly hostname: string
  readonly rootPassword: string
  readonly sshKeys: readonly string[]
  readonly bandwidthMbit?: number
  /** Provider-specific plan id (flavor slug, size id). */
  readonly plan: string
  readonly createdMs: number
  /** Paid until (world ms); null when the owner's balance pays as it goes. */
  readonly expiresMs: number | null
  readonly state: FleetServerState
}

/** What the shell must do for a server. */
export type FleetEffect =
  { readonly kind: 'provision' } | { readonly kind: 'destroy'; readonly reason: 'expired' }

/** One pure step of a server at `nowMs`. */
export function stepFleetServer(
  server: FleetServer,
  nowMs: number,
): { server: FleetServer; effect: FleetEffect | null } {
  const s = server.state
  if (s.kind === 'queued' && nowMs >= s.provisionAtMs) {
    return { server: { ...server, state: { kind: 'provisioning' } }, effect: { kind: 'provision' } }
  }
  if (s.kind === 'running' && server.expiresMs !== null && nowMs >= server.expiresMs) {
    return {
      server: { ...server, state: { kind: 'deleted', atMs: nowMs, reason: 'expired', ip: s.ip } },
      effect: { kind: 'destroy', reason: 'expired' },
    }
  }
  return { server, effect: null }
}

/** The fleet of one API provider. */
export interface Fleet {
  launch(input: Omit<FleetServer, 'createdMs' | 'state'>): FleetServer
  get(id: string): FleetServer | undefined
  list(ownerId: string): readonly FleetServer[]
  /** Moves a server's paid-until time. */
  setExpiry(id: string, expiresMs: number | null): FleetServer | undefined
  /** Deletes a server now (idempotent). */
  remove(id: string, reason: 'deleted' | 'expired'): Promise<void>
  pass(): Promise<void>
  running(): readonly FleetServer[]
  stop(): Promise<void>
}

/** Creates a fleet. */
export function createFleet(
  deps: {
    provisioner: ProviderProvisioner
    clock: Clock
    log: Logger
    hostAccess: RootPasswordChanger | null
  },
  options: { provisioningDelayMs: number },
): Fleet {
  const servers = new Map<string, FleetServer>()
  const hosts = new Map<string, ProvidedHost>()
  const inFlight = new Set<Promise<void>>()
  const abort = new AbortController()
  const track = (p: Promise<void>): void => {
    inFlight.add(p)
    void p.finally(() => inFlight.delete(p))
  }
  const provision = async (server: FleetServer): Promise<void> => {
    let host: ProvidedHost | undefined
    try {
      host = await deps.provisioner.create(
        {
          hostname: server.hostname,
          rootPassword: server.rootPassword,
          ...(server.bandwidthMbit === undefined ? {} : { bandwidthMbit: server.bandwidthMbit }),
        },
        { signal: abort.signal },
      )
      for (const key of server.sshKeys) {
        if (deps.hostAccess === null) {
          throw new ProviderError(
            'WORLD_PROVIDER_HOST_ACTION_FAILED',
            'no host access adapter to install SSH keys',
            {},
          )
        }
        await deps.hostAccess.authorizeKey(host.ip, server.rootPassword, key, { signal: abort.signal })
      }
      const latest = servers.get(server.id)
      if (abort.signal.aborted || latest === undefined || latest.state.kind === 'deleted') {
        await host.destroy()
        return
      }
      hosts.set(server.id, host)
      servers.set(server.id, { ...latest, state: { kind: 'running', hostId: host.id, ip: host.ip } })
      deps.log.info('api.server_running', { serverId: server.id, ip: host.ip, expiresMs: latest.expiresMs })
    } catch (err) {
      await host?.destroy()
      if (abort.signal.aborted) return
      deps.log.warn('api.server_failed', { serverId: server.id, code: errorCode(err) ?? 'unknown' })
      const latest = servers.get(server.id) ?? server
      servers.set(server.id, {
        ...latest,
        state: { kind: 'deleted', atMs: deps.clock.nowMs(), reason: 'failed', ip: null },
      })
    }
  }
  const destroy = async (id: string, reason: string): Promise<void> => {
    const host = hosts.get(id)
    hosts.delete(id)
    try {
      await host?.destroy()
      deps.log.info('api.server_destroyed', { serverId: id, reason })
    } catch (err) {
      // As the shops do: a failed teardown (a process slow to die on a busy machine) is logged, not
      // thrown into a timer where it would end the world; `world down` cleans the host up.
      deps.log.error('api.server_destroy_failed', {
        serverId: id,
        reason,
        code: errorCode(err) ?? 'unknown',
        err,
      })
    }
  }
  return {
    launch(input) {
      const now = deps.clock.nowMs()
      const server: FleetServer = {
        ...input,
        createdMs: now,
        state: { kind: 'queued', provisionAtMs: now + options.provisioningDelayMs },
      }
      servers.set(server.id, server)
      deps.log.info('api.server_launched', {
        serverId: server.id,
        plan: server.plan,
        expiresMs: server.expiresMs,
      })
      return server
    },
    get: (id) => servers.get(id),
    list: (ownerId) => [...servers.values()].filter((s) => s.ownerId === ownerId),
    setExpiry(id, expiresMs) {
      const s = servers.get(id)
      if (s === undefined) return undefined
      const next = { ...s, expiresMs }
      servers.set(id, next)
      return next
    },
    async remove(id, reason) {
      const s = servers.get(id)
      if (s === undefined || s.state.kind === 'deleted') return
      const ip = s.state.kind === 'running' ? s.state.ip : null
      servers.set(id, { ...s, state: { kind: 'deleted', atMs: deps.clock.nowMs(), reason, ip } })
      await destroy(id, reason)
    },
    async pass() {
      const now = deps.clock.nowMs()
      for (const server of [...servers.values()]) {
        const step = stepFleetServer(server, now)
        if (step.server !== server) servers.set(server.id, step.server)
        if (step.effect?.kind === 'provision') track(provision(step.server))
        if (step.effect?.kind === 'destroy') track(destroy(server.id, step.effect.reason))
      }
    },
    running: () => [...servers.values()].filter((s) => s.state.kind === 'running'),
    async stop() {
      abort.abort()
      await Promise.allSettled([...inFlight])
      const all = [...hosts.values()]
      hosts.clear()
      await Promise.allSettled(all.map((h) => h.destroy()))
    },
  }
}
