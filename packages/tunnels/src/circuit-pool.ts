import { BaseError, createNullLogger, type Clock, type Logger } from '@dolly/base'
import { MAX_HOPS } from './constants.ts'
import { tunnelCodeOf, type TunnelErrorCode } from './errors.ts'
import type { TunnelNode } from './node.ts'
import type { TunnelCircuit, TunnelStream, TunnelStreamHandlers } from './types.ts'

/**
 * Keeps circuits warm for the SOCKS entry (issue 16 item 3): `warm` ready circuits per hop count,
 * a destination sticks to one circuit while it lives (so a site sees one exit), and a circuit that
 * breaks is replaced — a CONNECT that finds its circuit dead is retried once on a fresh one, so the
 * client's next connection does not fail. The pool owns its circuits: while it runs they send
 * KEEPALIVE when quiet (`setKeepAlive`), so a warm circuit is kept until it breaks or reaches its
 * maximum age instead of idling out and being rebuilt every idle timeout (each rebuild is another
 * handshake, and with payments another small payment at close); `stop()` releases them to idle out.
 */
export interface CircuitPool {
  /** Starts the top-up loop. Idempotent. */
  start(): void
  stop(): void
  /** The circuit `destination` sticks to for `hops`, building one if none is ready. */
  circuitFor(hops: number, destination: string): Promise<TunnelCircuit>
  /** Opens a stream through the destination's circuit, retrying once on a new circuit if that one broke. */
  openStream(hops: number, host: string, port: number, handlers: TunnelStreamHandlers): Promise<TunnelStream>
  /** Ready circuits per hop count. */
  ready(hops: number): number
}

/** Options of a circuit pool. */
export interface CircuitPoolOptions {
  /** Ready circuits kept per hop count, e.g. `{ 1: 1, 3: 2 }` (Tribler keeps 4 per hop count for downloads). */
  readonly warm?: Readonly<Partial<Record<number, number>>>
  /** How often the pool tops up, ms. */
  readonly refillIntervalMs?: number
  /** Sticky destinations remembered (oldest forgotten first). */
  readonly maxSticky?: number
}

const DEFAULT_REFILL_MS = 1_000
const DEFAULT_MAX_STICKY = 4096

/** Codes that say "the circuit is gone", as opposed to "the exit refused this destination". */
const CIRCUIT_GONE = new Set<TunnelErrorCode>([
  'TUNNEL_CIRCUIT_CLOSED',
  'TUNNEL_CIRCUIT_TIMEOUT',
  'TUNNEL_CIRCUIT_IDLE',
  'TUNNEL_CIRCUIT_EXPIRED',
  'TUNNEL_CIRCUIT_UNKNOWN',
  'TUNNEL_CELL_AUTH_FAILED',
  'TUNNEL_CELL_REPLAYED',
  'TUNNEL_CELL_OUT_OF_ORDER',
  'TUNNEL_CELL_MALFORMED',
  'TUNNEL_CELL_UNEXPECTED',
  'TUNNEL_CELL_OVERSIZED',
  'TUNNEL_BYTE_LIMIT',
  'TUNNEL_EXTEND_FAILED',
  'TUNNEL_HANDSHAKE_FAILED',
  'TUNNEL_LINK_LOST',
  'TUNNEL_LINK_TIMEOUT',
  // A hop that stopped says so in its DESTROY; our own node stopped fails the retry's build anyway.
  'TUNNEL_STOPPED',
])

/** Creates a pool over `node`. */
export function createCircuitPool(
  deps: { readonly node: TunnelNode; readonly clock: Clock; readonly logger?: Logger },
  options: CircuitPoolOptions = {},
): CircuitPool {
  const logger = (deps.logger ?? createNullLogger()).child({ component: 'tunnels.pool' })
  const warm = new Map<number, number>()
  for (const [k, v] of Object.entries(options.warm ?? {})) {
    const hops = Number(k)
    if (!Number.isInteger(hops) || hops < 1 || hops > MAX_HOPS || !Number.isInteger(v) || (v ?? 0) < 0) {
      throw new BaseError(
        'BASE_INVALID_OPTION',
        `warm must map 1..${MAX_HOPS} to a count, got ${k}: ${v}`,
        {},
      )
    }
    warm.set(hops, v ?? 0)
  }
  const refillMs = options.refillIntervalMs ?? DEFAULT_REFILL_MS
  const maxSticky = options.maxSticky ?? DEFAULT_MAX_STICKY
  const circuits = new Map<number, TunnelCircuit[]>()
  const building = new Map<number, Promise<TunnelCircuit>[]>()
  const sticky = new Map<string, TunnelCircuit>()
  let abort: AbortController | undefined

  const live = (hops: number): TunnelCircuit[] => {
    const list = (circuits.get(hops) ?? []).filter((c) => c.isOpen())
    circuits.set(hops, list)
    return list
  }

  const build = (hops: number): Promise<TunnelCircuit> => {
    const p = deps.node.buildCircuit(hops).then((c) => {
      if (abort !== undefined) c.setKeepAlive(true)
      live(hops).push(c)
      return c
    })
    const list = building.get(hops) ?? []
    list.push(p)
    building.set(hops, list)
    const done = (): void => {
      building.set(
        hops,
        (building.get(hops) ?? []).filter((q) => q !== p),
      )
    }
    p.then(done, (err: unknown) => {
      done()
      logger.debug('tunnels.pool.build-failed', { hops, code: tunnelCodeOf(err) })
    })
    return p
  }

  const refill = (): void => {
    for (const [hops, want] of warm) {
      const have = live(hops).length + (building.get(hops)?.length ?? 0)
      for (let i = have; i < want; i++) build(hops)
    }
  }

  const loop = async (signal: AbortSignal): Promise<void> => {
    while (!signal.aborted) {
      refill()
      try {
        await deps.clock.sleep(refillMs, { signal })
      } catch {
        return
      }
    }
  }

  const circuitFor = async (hops: number, destination: string): Promise<TunnelCircuit> => {
    const key = `${hops}|${destination}`
    const stuck = sticky.get(key)
    if (stuck?.isOpen() === true) return stuck
    sticky.delete(key)
    const ready = live(hops)
    // Spread destinations: the ready circuit with the fewest sticky destinations.
    let chosen: TunnelCircuit | undefined
    if (ready.length > 0) {
      const load = new Map<TunnelCircuit, number>()
      for (const c of sticky.values()) load.set(c, (load.get(c) ?? 0) + 1)
      chosen = ready.reduce((a, b) => ((load.get(b) ?? 0) < (load.get(a) ?? 0) ? b : a))
    } else {
      const inFlight = building.get(hops)?.[0]
      chosen = inFlight !== undefined ? await inFlight.catch(() => build(hops)) : await build(hops)
    }
    if (sticky.size >= maxSticky) {
      const oldest = sticky.keys().next()
      if (oldest.done !== true) sticky.delete(oldest.value)
    }
    sticky.set(key, chosen)
    return chosen
  }

  return {
    start() {
      if (abort !== undefined) return
      abort = new AbortController()
      void loop(abort.signal)
    },
    stop() {
      abort?.abort()
      abort = undefined
      for (const list of circuits.values()) for (const c of list) c.setKeepAlive(false)
    },
    circuitFor,
    async openStream(hops, host, port, handlers) {
      const destination = `${host}:${port}`
      for (let attempt = 0; ; attempt++) {
        const circuit = await circuitFor(hops, destination)
        try {
          return await circuit.openStream(host, port, handlers)
        } catch (err) {
          const code = tunnelCodeOf(err)
          if (attempt >= 1 || code === undefined || !CIRCUIT_GONE.has(code)) throw err
          // The circuit died under us: forget it and try once on another.
          sticky.delete(`${hops}|${destination}`)
          circuit.close()
          logger.info('tunnels.pool.circuit-replaced', { hops, code })
        }
      }
    },
    ready: (hops) => live(hops).length,
  }
}
