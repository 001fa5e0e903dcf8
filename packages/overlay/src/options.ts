import { z } from 'zod'
import {
  ANTI_ENTROPY_INTERVAL_MS,
  CONTACT_TTL_MS,
  DEAD_PEER_TIMEOUT_MS,
  KNOWN_AFTER_MS,
  MAX_FRAME_BYTES,
  REQUEST_TIMEOUT_MS,
  SHUFFLE_INTERVAL_MS,
  SHUFFLE_SIZE,
  TIME_WINDOW_MS,
  VIEW_SIZE,
} from './constants.ts'
import { NetworkError } from './errors.ts'

const ms = z.number().int().positive()
const peerSchema = z.strictObject({
  id: z.string().regex(/^[0-9a-f]{64}$/),
  addrs: z.array(z.string().min(1).max(256)).max(8),
})

const optionsSchema = z.strictObject({
  treePath: z.string().regex(/^[A-Za-z0-9_-]{1,64}(\.\d{1,10}){0,200}$/),
  bootstrap: z.array(peerSchema).max(1024).default([]),
  viewSize: z.number().int().min(1).max(32).default(VIEW_SIZE),
  shuffleSize: z.number().int().min(1).max(32).default(SHUFFLE_SIZE),
  shuffleIntervalMs: ms.default(SHUFFLE_INTERVAL_MS),
  antiEntropyIntervalMs: ms.default(ANTI_ENTROPY_INTERVAL_MS),
  requestTimeoutMs: ms.default(REQUEST_TIMEOUT_MS),
  deadPeerTimeoutMs: ms.default(DEAD_PEER_TIMEOUT_MS),
  contactTtlMs: ms.default(CONTACT_TTL_MS),
  timeWindowMs: ms.default(TIME_WINDOW_MS),
  /** A contact held this long without a gap makes its owner `known` (network/standing.ts). */
  knownAfterMs: ms.default(KNOWN_AFTER_MS),
  /** false: serve only; the caller drives `shuffleOnce`/`antiEntropyOnce` (tests, bench, simulator). */
  loops: z.boolean().default(true),
  maxFrameBytes: z
    .number()
    .int()
    .min(1024)
    .max(16 * 1024 * 1024)
    .default(MAX_FRAME_BYTES),
})

/** A peer to say hello to at start: its id (hex public key) and where it listens. */
export type BootstrapPeer = z.infer<typeof peerSchema>

/** Options of the agent network as given (defaults in constants.ts). */
export type AgentNetworkOptions = z.input<typeof optionsSchema>

/** Options after validation, every default filled in. */
export type ResolvedNetworkOptions = Readonly<z.output<typeof optionsSchema>>

/** Validates options once at construction (STYLE.md §1.3); NETWORK_OPTIONS_INVALID lists the issues. */
export function resolveNetworkOptions(input: AgentNetworkOptions): ResolvedNetworkOptions {
  const r = optionsSchema.safeParse(input)
  if (!r.success) {
    const issues = r.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }))
    throw new NetworkError(
      'NETWORK_OPTIONS_INVALID',
      `network options are invalid at "${issues[0]?.path ?? ''}": ${issues[0]?.message ?? ''}`,
      { issues },
    )
  }
  if (r.data.shuffleSize > r.data.viewSize)
    throw new NetworkError(
      'NETWORK_OPTIONS_INVALID',
      `shuffle size ${r.data.shuffleSize} exceeds view size ${r.data.viewSize}`,
    )
  return Object.freeze(r.data)
}
