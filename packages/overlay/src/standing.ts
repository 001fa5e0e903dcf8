import type { PeerStanding } from '@dolly/learning'

export type { PeerStanding } from '@dolly/learning'

/** What a peer's standing is decided from. */
export interface StandingContext {
  /** Agents our own records name (agent.json parent, children and inherited contacts, operator bootstrap). */
  readonly family: ReadonlySet<string>
  /** When we first held the peer's contact without a gap since, ms; undefined when we hold none. */
  readonly firstSeenMs: number | undefined
  readonly nowMs: number
  /** How long a contact must have been held to count as known, ms (KNOWN_AFTER_MS). */
  readonly knownAfterMs: number
}

/**
 * The Sybil rule of the overlay (network README, "Sybil resistance"): family by our own records,
 * known by time held, stranger otherwise. A tree path in a gossiped contact is self-signed, so a
 * fresh key can claim to be our child: the claim alone never makes family. Pure.
 */
export function standingOf(origin: string, ctx: StandingContext): PeerStanding {
  if (ctx.family.has(origin)) return 'family'
  if (ctx.firstSeenMs !== undefined && ctx.nowMs - ctx.firstSeenMs >= ctx.knownAfterMs) return 'known'
  return 'stranger'
}
