import type { Rng } from '@dolly/base'
import { EMPTY_INBOX, chooseOffer } from '@dolly/learning'
import { initialStrategyState } from '@dolly/plebnet'
import type { DemoOffer } from './demo-offers.ts'
import type { SimAgent } from './demo-types.ts'

/** What a newborn agent is given; the rest starts empty. */
export type NewAgentFields = Pick<
  SimAgent,
  'tree' | 'generation' | 'parent' | 'offer' | 'birthMs' | 'btcSats' | 'q' | 'genome'
>

/** A newborn agent whose lease runs `leaseMs` from its birth. */
export function newSimAgent(fields: NewAgentFields, leaseMs: number): SimAgent {
  return {
    ...fields,
    expirationMs: fields.birthMs + leaseMs,
    children: [],
    mb: 0n,
    mbEarned: 0,
    inbox: EMPTY_INBOX,
    strategy: initialStrategyState(),
    chosen: null,
    childIndex: 0,
    failures: {},
    excluded: [],
    order: null,
    orderAskedMb: 0n,
    orderFilledMb: 0n,
  }
}

/** The agent's next offer by QD-learning (ALGORITHMS.md §4), or null when none is allowed. */
export function chooseNextOffer(a: SimAgent, offers: readonly DemoOffer[], rng: Rng): DemoOffer | null {
  const picked = chooseOffer(
    {
      table: a.q,
      current: a.offer.id,
      tree: a.tree,
      catalogue: offers,
      filter: { excludedProviders: a.excluded, preferredServer: a.genome.preferredServer },
    },
    rng,
  )
  return offers.find((o) => o.id === picked?.id) ?? null
}

/** Per offer, how many agents value it most from where they live; per strategy, how many use it. */
export function describeLiving(alive: readonly SimAgent[]): {
  readonly favourites: Record<string, number>
  readonly strategies: Record<string, number>
} {
  const favourites: Record<string, number> = {}
  const strategies: Record<string, number> = {}
  for (const a of alive) {
    const row = a.q.q[a.q.offers.indexOf(a.offer.id)] ?? []
    let best = 0
    row.forEach((v, j) => {
      if (v > (row[best] ?? 0)) best = j
    })
    const fav = a.q.offers[best] ?? a.offer.id
    favourites[fav] = (favourites[fav] ?? 0) + 1
    strategies[a.genome.strategy.name] = (strategies[a.genome.strategy.name] ?? 0) + 1
  }
  return { favourites, strategies }
}
