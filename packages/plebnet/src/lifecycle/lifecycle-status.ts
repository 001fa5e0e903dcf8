import { decode as d, type Infer } from '@dolly/base'
import { MAX_OFFER_NAME_CHARS } from '@dolly/learning/constants'
import { predictLife } from './life-expectancy.ts'
import { childrenOf, type IdleReason, type LeaseWindows, type LifecycleState } from './state.ts'

/** Events shown in the status API. */
export const STATUS_EVENTS = 10

const offerName = d.string({ max: MAX_OFFER_NAME_CHARS })
const sats = d.string({ pattern: /^\d{1,16}$/ })
const bytes = d.string({ pattern: /^\d{1,30}$/ })

/**
 * The lifecycle part of `GET /status` (AGENT.md §3.3, DESIGN.md §7): lease, balance, children,
 * what the tick waits for and the last events. Earning and the market say so honestly when they do
 * not run: no income is ever shown that was not earned.
 */
export const LifecycleStatusSchema = d.strictObject({
  worldNowMs: d.number(),
  birthMs: d.number(),
  leaseEndMs: d.number(),
  /** The offer this agent lives on (`self_state`); null for one installed by hand. */
  self: d.nullable(d.strictObject({ provider: offerName, option: offerName })),
  /** The Q-table after this tick's learning (the wire form of `serializeQTable`), null before the first. */
  qtable: d.unknown(),
  /** The genome after this tick's evolve (`serializeGenome`); the top-level `genome` is the one it was born with. */
  genome: d.unknown(),
  /** World ms from which nothing more is bought (AGENT.md §3.6, widened at high time scales). */
  stopBuyingAtMs: d.number(),
  /** World ms from which the remaining coins go to the heir. */
  sweepAtMs: d.number(),
  spendableSats: sats,
  children: d.array(
    d.strictObject({
      tree: d.string({ max: 1000 }),
      ip: d.nullable(d.string({ max: 64 })),
      provider: offerName,
      option: offerName,
    }),
    { max: 10_000 },
  ),
  /**
   * The VPNs bought for children (AGENT.md §5.1 `vpn_bought`) and where each stands; absent in the
   * status of agents older than the VPN purchase.
   */
  vpnBought: d.optional(
    d.array(
      d.strictObject({
        provider: offerName,
        option: offerName,
        stage: d.string({ max: 16 }),
        txid: d.nullable(d.string({ max: 200 })),
        /** The server it goes with (`provider/option` of the item) and its child once installed. */
        server: d.string({ max: 2 * MAX_OFFER_NAME_CHARS + 1 }),
        childTree: d.nullable(d.string({ max: 1000 })),
      }),
      { max: 10_000 },
    ),
  ),
  /** Servers paid for and not yet holding a child. */
  pending: d.number({ int: true, min: 0 }),
  excludedProviders: d.array(offerName, { max: 1000 }),
  idle: d.nullable(d.string({ max: 64 })),
  /** `earning` when the agent runs its ledger and earns tokens by relaying (the tunnels block has the figures). */
  earning: d.oneOf(['earning', 'not earning']),
  /** `selling` when the sell step ran this tick on a market with matchmakers (the `selling` block). */
  market: d.oneOf(['selling', 'no market']),
  /** The sell step of this tick (issue 17): strategy, deciding rule, MB on offer and the ask placed. */
  selling: d.optional(
    d.strictObject({
      strategy: d.string({ max: 64 }),
      rule: d.string({ max: 64 }),
      /** MB token bytes the agent could offer (decimal string). */
      availableMbBytes: bytes,
      /** The ask placed this tick: MB token bytes offered for sats. */
      placed: d.nullable(d.strictObject({ number: d.number({ int: true, min: 1 }), mbBytes: bytes, sats })),
      cancelled: d.nullable(d.number({ int: true, min: 1 })),
    }),
  ),
  /** AGENT.md §15 from the last price paid; null before the first purchase. Nothing is earned yet, so ρ = 0. */
  lifeExpectancy: d.nullable(
    d.strictObject({
      childrenAffordable: sats,
      viable: d.boolean(),
      daysLeft: d.number(),
      /** `C` of §15: the last purchase (server + VPN) · 1.15, sats; the IRC bot's `!life` predicts with it. */
      replicationCostSats: d.optional(sats),
    }),
  ),
  events: d.array(
    d.strictObject({ atMs: d.number(), kind: d.string({ max: 64 }), text: d.string({ max: 2000 }) }),
    { max: STATUS_EVENTS },
  ),
})

/** The lifecycle part of the status document. */
export type LifecycleStatus = Infer<typeof LifecycleStatusSchema>

function lifeOf(
  state: LifecycleState,
  spendableSats: bigint,
  nowMs: number,
): LifecycleStatus['lifeExpectancy'] {
  const last = state.items.at(-1)
  const lastPrice = last === undefined ? undefined : last.priceSats + (last.vpn?.priceSats ?? 0n)
  if (lastPrice === undefined || lastPrice <= 0n) return null
  // C = ceil((vps + vpn) · 1.15) (AGENT.md §15): rounds up, a cost is never understated.
  const replicationCostSats = (lastPrice * 115n + 99n) / 100n
  const life = predictLife({
    leaseRemainingMs: state.expirationMs - nowMs,
    btcSats: spendableSats,
    mbAvailable: 0n,
    earnMbPerDay: 0,
    priceSatPerMb: 0,
    replicationCostSats,
  })
  return {
    childrenAffordable: life.childrenAffordable.toString(),
    viable: life.viable,
    daysLeft: life.daysLeft,
    replicationCostSats: replicationCostSats.toString(),
  }
}

/** What the status shows of a tick's sell step. */
export interface SellSummary {
  readonly strategy: string
  readonly rule: string
  readonly availableMbBytes: bigint
  readonly placed: { readonly number: number; readonly mbBytes: bigint; readonly sats: bigint } | null
  readonly cancelled: number | null
}

/** The status of a state snapshot at world time `nowMs`. */
export function lifecycleStatusOf(
  state: LifecycleState,
  spendableSats: bigint,
  nowMs: number,
  idle: IdleReason | string | null,
  windows: LeaseWindows,
  learned: Pick<LifecycleStatus, 'self' | 'qtable' | 'genome'> & {
    /** Whether the agent earns tokens (its ledger runs). */
    readonly earning?: boolean
    /** This tick's sell step, when it ran (agent/effects/sell.ts `SellReport`). */
    readonly sell?: SellSummary
  } = { self: null, qtable: null, genome: null },
): LifecycleStatus {
  return {
    worldNowMs: nowMs,
    birthMs: state.birthMs,
    leaseEndMs: state.expirationMs,
    self: learned.self,
    qtable: learned.qtable,
    genome: learned.genome,
    stopBuyingAtMs: state.expirationMs - windows.stopBuyingBeforeMs,
    sweepAtMs: state.expirationMs - windows.sweepBeforeMs,
    spendableSats: spendableSats.toString(),
    children: childrenOf(state).map((c) => ({
      tree: c.childTree ?? '',
      ip: c.ip,
      provider: c.provider,
      option: c.option,
    })),
    vpnBought: state.items.flatMap((i) =>
      i.vpn === undefined || i.vpn.stage === 'planned'
        ? []
        : [
            {
              provider: i.vpn.provider,
              option: i.vpn.option,
              stage: i.vpn.stage,
              txid: i.vpn.txid,
              server: `${i.provider}/${i.option}`,
              childTree: i.childTree,
            },
          ],
    ),
    pending: state.items.filter(
      (i) => i.stage === 'buying' || i.stage === 'bought' || i.stage === 'installing',
    ).length,
    excludedProviders: [...state.excludedProviders],
    idle,
    earning: learned.earning === true ? 'earning' : 'not earning',
    market: learned.sell === undefined ? 'no market' : 'selling',
    ...(learned.sell === undefined
      ? {}
      : {
          selling: {
            strategy: learned.sell.strategy,
            rule: learned.sell.rule,
            availableMbBytes: learned.sell.availableMbBytes.toString(),
            placed:
              learned.sell.placed === null
                ? null
                : {
                    number: learned.sell.placed.number,
                    mbBytes: learned.sell.placed.mbBytes.toString(),
                    sats: learned.sell.placed.sats.toString(),
                  },
            cancelled: learned.sell.cancelled,
          },
        }),
    lifeExpectancy: lifeOf(state, spendableSats, nowMs),
    events: state.events.slice(-STATUS_EVENTS).map((e) => ({ ...e })),
  }
}
