/**
 * What a world user did (issue 16, "World users"): per-request records and their totals, as
 * `dolly world status` shows them. Pure.
 */
import { WorldError } from '../errors.ts'
import type { HopCount } from './demand.ts'

/** One finished request of a user. */
export interface RequestRecord {
  /** Real Unix ms when curl started. */
  readonly startedAtMs: number
  readonly file: string
  readonly hops: HopCount
  /** Bytes curl wrote (the body received). */
  readonly bytes: number
  readonly durationMs: number
  /** curl's exit status (0 on success; 7 no connection, 28 timeout, 97 SOCKS failure, …), null when killed. */
  readonly exitCode: number | null
  /** Whether the body's SHA-256 equals the file's; false for any failed or short transfer. */
  readonly sha256Ok: boolean
}

/** A user's totals. */
export interface UserStats {
  readonly name: string
  readonly hostIp: string
  readonly freeRider: boolean
  /**
   * `starting` until its proxy is ready, `running`, `failed` when the proxy could not start or kept
   * exiting past its restarts, `stopped`.
   */
  readonly state: 'waiting' | 'starting' | 'running' | 'failed' | 'stopped'
  readonly requests: number
  /** Requests that ended with exit 0 and the right SHA-256. */
  readonly ok: number
  readonly failures: number
  /** Bytes received over all requests (also failed ones). */
  readonly bytes: number
  /** Bytes received by successful requests. */
  readonly goodBytes: number
  /** The latest requests, newest last (at most {@link RECENT_REQUESTS}). */
  readonly recent: readonly RequestRecord[]
  /** Why the user is not running, when it failed. */
  readonly error: string | null
  /** Times its proxy exited on its own and was started again. */
  readonly proxyRestarts: number
  /** Its token buying (issue 17), absent for a free rider (it never pays, so never buys). */
  readonly buyer?: BuyerStats
}

/** What a user's token buyer did, as its proxy reports it (`{"event":"buyer",…}` lines). */
export interface BuyerStats {
  /** Its bids' price, sats per MB. */
  readonly maxSatPerMb: string
  /** `never-pay` or `stop-paying` for the world's cheaters. */
  readonly cheat: string | null
  /** Sats the faucet paid it (allowances). */
  readonly fundedSats: string
  readonly bids: number
  readonly tradesCompleted: number
  readonly tradesAborted: number
  readonly satsPaid: string
  readonly mbBoughtBytes: string
}

const DECIMAL = /^\d{1,20}$/
const count = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0

/**
 * Reads a `{"event":"buyer","bids":…,"tradesCompleted":…,"tradesAborted":…,"satsPaid":"…",
 * "mbBoughtBytes":"…"}` line of `plebnet proxy --json --buy-below`; undefined for any other or a
 * malformed line (the driver keeps the last good one).
 */
export function parseBuyerLine(
  line: string,
): Pick<BuyerStats, 'bids' | 'tradesCompleted' | 'tradesAborted' | 'satsPaid' | 'mbBoughtBytes'> | undefined {
  let msg: unknown
  try {
    msg = JSON.parse(line)
  } catch {
    return undefined
  }
  if (typeof msg !== 'object' || msg === null) return undefined
  const m = msg as Record<string, unknown>
  if (m['event'] !== 'buyer') return undefined
  const { bids, tradesCompleted, tradesAborted, satsPaid, mbBoughtBytes } = m
  if (!count(bids) || !count(tradesCompleted) || !count(tradesAborted)) return undefined
  if (typeof satsPaid !== 'string' || !DECIMAL.test(satsPaid)) return undefined
  if (typeof mbBoughtBytes !== 'string' || !DECIMAL.test(mbBoughtBytes)) return undefined
  return { bids, tradesCompleted, tradesAborted, satsPaid, mbBoughtBytes }
}

/** Requests each user's stats keep in full. */
export const RECENT_REQUESTS = 20

/** A user's stats before anything happened. */
export function emptyStats(name: string, hostIp: string, freeRider: boolean): UserStats {
  return {
    name,
    hostIp,
    freeRider,
    state: 'waiting',
    requests: 0,
    ok: 0,
    failures: 0,
    bytes: 0,
    goodBytes: 0,
    recent: [],
    error: null,
    proxyRestarts: 0,
  }
}

/** Whether a request succeeded: curl exited 0 and the body hashed to the file's SHA-256. */
export function succeeded(r: RequestRecord): boolean {
  return r.exitCode === 0 && r.sha256Ok
}

/** `stats` with one more finished request. */
export function addRequest(stats: UserStats, r: RequestRecord): UserStats {
  const ok = succeeded(r)
  return {
    ...stats,
    requests: stats.requests + 1,
    ok: stats.ok + (ok ? 1 : 0),
    failures: stats.failures + (ok ? 0 : 1),
    bytes: stats.bytes + r.bytes,
    goodBytes: stats.goodBytes + (ok ? r.bytes : 0),
    recent: [...stats.recent, r].slice(-RECENT_REQUESTS),
  }
}

/** Ports of the proxy's SOCKS5 servers per hop count. */
export type ProxyPorts = Readonly<Record<HopCount, number>>

/**
 * Reads `plebnet proxy --json`'s ready line `{"event":"ready","ports":{"1":1081,"2":1082,"3":1083}}`;
 * undefined for any other line (the proxy may print other events first). A ready line without a valid
 * port for each hop count is a `WORLD_USERS_PROXY_START` error.
 */
export function parseProxyReady(line: string): ProxyPorts | undefined {
  let msg: unknown
  try {
    msg = JSON.parse(line)
  } catch {
    return undefined
  }
  if (typeof msg !== 'object' || msg === null || (msg as { event?: unknown }).event !== 'ready')
    return undefined
  const ports = (msg as { ports?: unknown }).ports
  const portOf = (hops: HopCount): number => {
    const p =
      typeof ports === 'object' && ports !== null
        ? (ports as Record<string, unknown>)[String(hops)]
        : undefined
    if (typeof p !== 'number' || !Number.isInteger(p) || p < 1 || p > 65_535)
      throw new WorldError(
        'WORLD_USERS_PROXY_START',
        `the proxy's ready line has no port for ${hops} hops: ${line}`,
        {
          line,
        },
      )
    return p
  }
  return { 1: portOf(1), 2: portOf(2), 3: portOf(3) }
}
