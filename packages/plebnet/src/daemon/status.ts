import { z } from 'zod'
import { LifecycleStatusSchema } from '../lifecycle/lifecycle-status.ts'

/**
 * The read-only status API of a running agent (DESIGN.md §7): what it is, where it sits in the
 * family tree, where it runs, its genome, and when it last beat. No endpoint changes state.
 */

/** `GET /status` body; our own wire format, so unknown keys are rejected. */
export const StatusSchema = z.strictObject({
  format: z.literal('dolly-status'),
  version: z.literal(1),
  /** Ed25519 public key, hex. */
  publicKey: z.string().regex(/^[0-9a-f]{64}$/),
  /** Family tree path, e.g. `plebbot2930.0.1`. */
  tree: z.string().min(1).max(1000),
  /** The parent's tree path; null for a root agent. */
  parentTree: z.string().min(1).max(1000).nullable(),
  /** The parent's public key, hex; null for a root agent. */
  parentPublicKey: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .nullable(),
  /** The host's address as the agent sees it. */
  hostIp: z.string().min(1).max(64),
  /** The agent's genome (the JSON of `serializeGenome`), or null before setup gave it one. */
  genome: z.unknown(),
  testnet: z.boolean(),
  exitNode: z.boolean(),
  /** Version of the agent build. */
  softwareVersion: z.string().max(64),
  startedAtMs: z.number().int().nonnegative(),
  /** Last heartbeat of the daemon loop; null until the first one. */
  heartbeatAtMs: z.number().int().nonnegative().nullable(),
  heartbeats: z.number().int().nonnegative(),
  /** The lifecycle tick's view (lease, balance, children, events); absent until the first tick. */
  lifecycle: LifecycleStatusSchema.optional(),
})

/** A status document. */
export type AgentStatus = z.infer<typeof StatusSchema>

/** A request as the pure handler sees it. */
export interface StatusRequest {
  readonly method: string
  readonly path: string
}

/** A response of the pure handler: status code plus a JSON body. */
export interface StatusResponse {
  readonly status: number
  readonly body: unknown
}

/**
 * Answers one request from the current status (a `Request → Response` function testable without a
 * socket). `GET /status`, `GET /health`; anything that is not GET or HEAD is 405, since the API is
 * read-only.
 */
export function handleStatusRequest(
  request: StatusRequest,
  status: AgentStatus,
  nowMs: number,
): StatusResponse {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return { status: 405, body: { error: 'read-only API: only GET and HEAD are allowed' } }
  }
  const path = request.path.split('?')[0] ?? '/'
  switch (path) {
    case '/status':
      return { status: 200, body: status }
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

/**
 * Parses a status document from another agent (untrusted JSON).
 *
 * @throws Error with the zod issues when it is not a status document
 */
export function parseStatus(input: unknown): AgentStatus | undefined {
  const parsed = StatusSchema.safeParse(input)
  return parsed.success ? parsed.data : undefined
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
