import type { Genome, QTable, RemoteInbox } from '@dolly/learning'
import type { StrategyState } from '@dolly/plebnet'
import type { DemoOrder } from './demo-market.ts'
import type { DemoOffer } from './demo-offers.ts'

/** Milliseconds per hour. */
export const HOUR_MS = 3_600_000
/** Milliseconds per day. */
export const DAY_MS = 86_400_000

/** Virtual start of every demo run: 2026-01-01T00:00:00Z, a constant so output never depends on the host clock. */
export const DEMO_START_MS = 20_454 * DAY_MS

/** Version the demo's agents report as their software (`softwareRef`). */
export const DEMO_VERSION = '0.1.0'

/** Options of the learning demo. */
export interface LearningDemoOptions {
  /** Root agents at the start. */
  readonly agents: number
  /** Ticks to run. */
  readonly ticks: number
  /** Virtual hours per tick. */
  readonly tickHours: number
  /** Population cap: no purchase while this many agents live (keeps a run bounded). */
  readonly maxAgents: number
  /** Lease length, days (30, as the original's providers). */
  readonly leaseDays: number
  /** Satoshis the market's buyers spend per day. */
  readonly demandSatsPerDay: bigint
  /** The buyers' reference price, milli-sat per MB (they pay up to ±20 % around it). */
  readonly buyerPriceMilliSatPerMb: number
}

/** Defaults of the demo (sized so a 20-agent, 500-tick run shows several generations in about a second). */
export const LEARNING_DEMO_DEFAULTS: Omit<LearningDemoOptions, 'agents' | 'ticks'> = Object.freeze({
  tickHours: 4,
  maxAgents: 200,
  leaseDays: 30,
  demandSatsPerDay: 40_000n,
  buyerPriceMilliSatPerMb: 300,
})

/** An event of the demo, named after the original learning_demo's events. */
export type DemoEvent =
  | { readonly event: 'earn_mb_tokens'; readonly tick: number; readonly agent: string; readonly mb: bigint }
  | {
      readonly event: 'sold_mb_tokens'
      readonly tick: number
      readonly agent: string
      readonly mb: bigint
      readonly sats: bigint
    }
  | {
      readonly event: 'node_replication'
      readonly tick: number
      readonly parent: string
      readonly child: string
      readonly offer: string
      readonly priceSats: bigint
      readonly dowrySats: bigint
      readonly generation: number
    }
  | {
      readonly event: 'purchase_failed'
      readonly tick: number
      readonly agent: string
      readonly offer: string
      readonly lostSats: bigint
    }
  | {
      readonly event: 'node_death'
      readonly tick: number
      readonly agent: string
      readonly generation: number
      readonly children: number
      readonly btcSats: bigint
      readonly heir: string | null
    }

/** What a run ends with. */
export interface DemoSummary {
  readonly event: 'summary'
  readonly ticks: number
  readonly simulatedDays: number
  readonly alive: number
  readonly born: number
  readonly died: number
  readonly maxGeneration: number
  readonly mbEarned: bigint
  readonly mbSold: bigint
  readonly satsEarned: bigint
  /** Per offer: successful and failed purchases. */
  readonly purchases: Readonly<Record<string, { readonly ok: number; readonly failed: number }>>
  /** Per offer: how many living agents value it most (their own row's best column). */
  readonly favourites: Readonly<Record<string, number>>
  /** Per strategy: living agents using it. */
  readonly strategies: Readonly<Record<string, number>>
}

/** One simulated agent; mutable, owned by one run. */
export interface SimAgent {
  readonly tree: string
  readonly generation: number
  readonly parent: string | null
  readonly offer: DemoOffer
  readonly birthMs: number
  readonly expirationMs: number
  readonly children: string[]
  btcSats: bigint
  mb: bigint
  mbEarned: number
  q: QTable
  inbox: RemoteInbox
  genome: Genome
  strategy: StrategyState
  chosen: DemoOffer | null
  childIndex: number
  failures: Record<string, number>
  excluded: string[]
  order: DemoOrder | null
  orderAskedMb: bigint
  orderFilledMb: bigint
}
