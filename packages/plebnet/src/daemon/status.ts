import { decode as d, type Infer } from '@dolly/base'
import { LifecycleStatusSchema } from '../lifecycle/lifecycle-status.ts'
import { ReplicationError } from '../replication/errors.ts'
import { IrcStatusSchema } from '../irc/irc-status.ts'
import { TunnelsStatusSchema } from '../tunnels/tunnel-status.ts'
import {
  DEFAULT_MARKET_LIMIT,
  MAX_MARKET_LIMIT,
  MarketStatusSchema,
  type MarketStatusSource,
} from '../market/market-status.ts'

/**
 * The read-only status API of a running agent (DESIGN.md §7): what it is, where it sits in the
 * family tree, where it runs, its genome, and when it last beat. No endpoint changes state.
 */

const publicKeyHex = d.string({ pattern: /^[0-9a-f]{64}$/ })
const treePath = d.string({ min: 1, max: 1000 })
const softwareVersion = d.string({ max: 64 })
const msTime = d.number({ int: true, min: 0 })

/**
 * `GET /status` body; our own wire format, so unknown keys are rejected. Described with base's
 * strict decoders rather than zod: `plebnet status` decodes it and must start fast (README).
 */
export const StatusSchema = d.strictObject({
  format: d.literal('dolly-status'),
  version: d.literal(1),
  /** Ed25519 public key, hex. */
  publicKey: publicKeyHex,
  /** Family tree path, e.g. `plebbot2930.0.1`. */
  tree: treePath,
  /** The parent's tree path; null for a root agent. */
  parentTree: d.nullable(treePath),
  /** The parent's public key, hex; null for a root agent. */
  parentPublicKey: d.nullable(publicKeyHex),
  /** The host's address as the agent sees it. */
  hostIp: d.string({ min: 1, max: 64 }),
  /** The agent's genome (the JSON of `serializeGenome`), or null before setup gave it one. */
  genome: d.unknown(),
  testnet: d.boolean(),
  exitNode: d.boolean(),
  /** Version of the agent build. */
  softwareVersion,
  startedAtMs: msTime,
  /** Last heartbeat of the daemon loop; null until the first one. */
  heartbeatAtMs: d.nullable(msTime),
  heartbeats: d.number({ int: true, min: 0 }),
  /** The lifecycle tick's view (lease, balance, children, events); absent until the first tick. */
  lifecycle: d.optional(LifecycleStatusSchema),
  /** The tunnel component's counters (relayed and exited circuits, bytes); absent until it runs. */
  tunnels: d.optional(TunnelsStatusSchema),
  /** The token market (issue 17): balance, own open orders, last price, settlement, matchmaker; only with `[market] enabled`. */
  market: d.optional(MarketStatusSchema),
  /** The IRC bot (issue 18): server, channel, nick, running/connected/joined, counters; only with `[irc] server`. */
  irc: d.optional(IrcStatusSchema),
})

/** A status document. */
export type AgentStatus = Infer<typeof StatusSchema>

/**
 * What any peer may read (`GET /status` without authorization): liveness, place in the tree,
 * version, public key, and whether the agent is handing over (what the heir probe needs). Not the
 * host's or children's IPs, purchases, balance, sweep time, genome or Q-table.
 */
export const PublicStatusSchema = d.strictObject({
  format: d.literal('dolly-status'),
  version: d.literal(1),
  access: d.literal('public'),
  publicKey: publicKeyHex,
  tree: treePath,
  parentTree: d.nullable(treePath),
  parentPublicKey: d.nullable(publicKeyHex),
  softwareVersion,
  startedAtMs: msTime,
  heartbeatAtMs: d.nullable(msTime),
  heartbeats: d.number({ int: true, min: 0 }),
  /** True from the agent's sweep time on: it is sending its coins away and must not be chosen as an heir. */
  handingOver: d.boolean(),
  /** The IRC bot's nick (public in its channel anyway; the parent's postcard names it); absent without a bot. */
  nick: d.optional(d.string({ min: 1, max: 64 })),
})

/** The public part of a status document. */
export type PublicStatus = Infer<typeof PublicStatusSchema>

/** A status document as a reader may get it: the full one (local or authorized) or the public part. */
export type AnyStatus = AgentStatus | PublicStatus

/** Whether `status` is the full document. */
export function isFullStatus(status: AnyStatus): status is AgentStatus {
  return !('access' in status)
}

/** Whether the agent is past its sweep time, i.e. handing its coins over (AGENT.md §3.6). */
export function isHandingOver(status: AnyStatus): boolean {
  if (!isFullStatus(status)) return status.handingOver
  const l = status.lifecycle
  return l !== undefined && l.worldNowMs >= l.sweepAtMs
}

/** The public part of a full status document. */
export function publicStatusOf(status: AgentStatus): PublicStatus {
  return {
    format: 'dolly-status',
    version: 1,
    access: 'public',
    publicKey: status.publicKey,
    tree: status.tree,
    parentTree: status.parentTree,
    parentPublicKey: status.parentPublicKey,
    softwareVersion: status.softwareVersion,
    startedAtMs: status.startedAtMs,
    heartbeatAtMs: status.heartbeatAtMs,
    heartbeats: status.heartbeats,
    handingOver: isHandingOver(status),
    ...(status.irc === undefined ? {} : { nick: status.irc.nick }),
  }
}

/** A request as the pure handler sees it. */
export interface StatusRequest {
  readonly method: string
  readonly path: string
  /**
   * Whether the caller may read everything: it connected over loopback or sent the agent's status
   * token as a bearer header (decided by the HTTP adapter). Absent means no.
   */
  readonly authorized?: boolean
}

/** A response of the pure handler: status code plus a JSON body. */
export interface StatusResponse {
  readonly status: number
  readonly body: unknown
}

/** The body of a market query the daemon cannot answer because its market is off (`plebnet market`). */
export const MARKET_DISABLED_BODY = {
  error: 'the token market is not enabled on this agent ([market] enabled = 1 in its config)',
  code: 'MARKET_VIEW_DISABLED',
} as const

/**
 * Answers one request from the current status (a `Request → Response` function testable without a
 * socket). `GET /status` (everything for an authorized caller, the public part for anyone else),
 * `GET /health`, and for an authorized caller `GET /market/book?limit=N` and
 * `GET /market/trades?limit=N` (the local matchmaker's book and trades, from `market`; 404 with
 * code MARKET_VIEW_DISABLED when the agent runs no market); anything that is not GET or HEAD is 405,
 * since the API is read-only.
 */
export function handleStatusRequest(
  request: StatusRequest,
  status: AgentStatus,
  nowMs: number,
  market?: MarketStatusSource,
): StatusResponse {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return { status: 405, body: { error: 'read-only API: only GET and HEAD are allowed' } }
  }
  const [path = '/', query = ''] = request.path.split('?')
  switch (path) {
    case '/market/book':
    case '/market/trades': {
      if (request.authorized !== true)
        return { status: 403, body: { error: 'the market queries need loopback or the status token' } }
      const limit = marketLimit(query)
      if (limit === undefined)
        return { status: 400, body: { error: `limit must be an integer from 0 to ${MAX_MARKET_LIMIT}` } }
      const body = path === '/market/book' ? market?.book(limit) : market?.trades(limit)
      return body === undefined ? { status: 404, body: MARKET_DISABLED_BODY } : { status: 200, body }
    }
    case '/status':
      return { status: 200, body: request.authorized === true ? status : publicStatusOf(status) }
    case '/health':
      return {
        status: status.heartbeatAtMs === null ? 503 : 200,
        body: {
          ok: status.heartbeatAtMs !== null,
          tree: status.tree,
          heartbeatAtMs: status.heartbeatAtMs,
          heartbeatAgeMs: status.heartbeatAtMs === null ? null : Math.max(0, nowMs - status.heartbeatAtMs),
        },
      }
    default:
      return { status: 404, body: { error: `no such endpoint ${path}; try /status or /health` } }
  }
}

/** The `limit` of a market query string (default {@link DEFAULT_MARKET_LIMIT}); undefined when malformed. */
function marketLimit(query: string): number | undefined {
  const text = new URLSearchParams(query).get('limit')
  if (text === null) return DEFAULT_MARKET_LIMIT
  if (!/^[0-9]{1,4}$/.test(text)) return undefined
  const n = Number(text)
  return n <= MAX_MARKET_LIMIT ? n : undefined
}

/** Length of the status token: 32 random bytes as lower-case hex. */
export const STATUS_TOKEN_RE = /^[0-9a-f]{64}$/

/**
 * Whether a caller may read the full status (DESIGN.md §7, daemon README): it connected over
 * loopback (127.0.0.0/8, ::1, or IPv4-mapped loopback), or it sent `Authorization: Bearer <token>`
 * with the agent's status token. Compared in constant time. Pure.
 */
export function isAuthorizedCaller(
  caller: { readonly remoteAddress: string | undefined; readonly authorization: string | undefined },
  token: string | undefined,
): boolean {
  const addr = caller.remoteAddress ?? ''
  if (addr === '::1' || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/i.test(addr)) return true
  if (token === undefined || !STATUS_TOKEN_RE.test(token)) return false
  const match = /^Bearer ([0-9a-f]{64})$/.exec(caller.authorization ?? '')
  const given = match?.[1]
  if (given === undefined) return false
  let diff = 0
  for (let i = 0; i < token.length; i++) diff |= token.charCodeAt(i) ^ given.charCodeAt(i)
  return diff === 0
}

/**
 * Decodes another agent's status reply (untrusted JSON): a full document, else a public one.
 *
 * @throws ReplicationError REPLICATION_STATUS_MALFORMED when it is neither (the full schema's issues attached)
 */
export function decodeStatus(input: unknown): AnyStatus {
  const full = StatusSchema.check(input)
  if (full.ok) return full.value
  const pub = PublicStatusSchema.check(input)
  if (pub.ok) return pub.value
  const issues = (isPublicShaped(input) ? pub.issues : full.issues).slice(0, 5)
  throw new ReplicationError(
    'REPLICATION_STATUS_MALFORMED',
    `not a status document: ${issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    { issues: issues.map((i) => ({ path: i.path.map(String), message: i.message })) },
  )
}

function isPublicShaped(input: unknown): boolean {
  return typeof input === 'object' && input !== null && (input as { access?: unknown }).access === 'public'
}

/** Parses a full status document from another agent (untrusted JSON); undefined when it is not one. */
export function parseStatus(input: unknown): AgentStatus | undefined {
  const parsed = StatusSchema.check(input)
  return parsed.ok ? parsed.value : undefined
}

/** Parses a full or public status document (untrusted JSON); undefined when it is neither (see {@link decodeStatus} for the reason). */
export function parseAnyStatus(input: unknown): AnyStatus | undefined {
  try {
    return decodeStatus(input)
  } catch {
    return undefined
  }
}

/** Parses `ip:port`, `[v6]:port`, `ip` or `:port` into a listen address; undefined when malformed. */
export function parseListenAddress(
  text: string,
  defaultPort: number,
): { host: string | undefined; port: number } | undefined {
  const v6 = /^\[([0-9a-fA-F:.]+)\](?::(\d{1,5}))?$/.exec(text)
  const v4 = /^([0-9.]*|[a-zA-Z0-9.-]*)(?::(\d{1,5}))?$/.exec(text)
  const match = v6 ?? v4
  if (match === null) return undefined
  const port = match[2] === undefined ? defaultPort : Number(match[2])
  if (!Number.isInteger(port) || port < 0 || port > 65_535) return undefined
  const host = match[1] === '' || match[1] === undefined ? undefined : match[1]
  return { host, port }
}
