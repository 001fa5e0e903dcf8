import { errorCode } from '@dolly/base'
import { expectedSats, type PurchaseDeps, type VpsOption } from '@dolly/cloudomate'
import type { AgentRecord } from '../../daemon/agent-record.ts'
import {
  evolveGenome,
  chooseOffer,
  chooseOfferByDna,
  MAX_OFFER_NAME_CHARS,
  offerId,
  type OfferInfo,
  learnFromOutcome,
  type LearnOptions,
  createQTable,
  withOffers,
  type QTable,
  EMPTY_INBOX,
} from '@dolly/learning'
import type { LifecycleState, PricedOffer } from '../../lifecycle/state.ts'
import type { AgentOptions, AgentPorts } from '../ports.ts'
import { priceVpn } from './vpn.ts'
import { shopContext } from './shop-context.ts'
import type { AgentStore } from '../store.ts'

/**
 * The tick's learning effects over the agent's ports: the shops' catalogue priced in sats, the next
 * offer chosen by QD-learning (ALGORITHMS.md §4), and the Q-table update after a purchase (AGENT.md
 * §3.4 step 7).
 */

/** Room left for the network fee of one payment (sats); world fees are about 150 vB × a few sat/vB. */
export const FEE_RESERVE_SATS = 5_000n

/** The agent's Q-table (an empty table before the first save), extended by `ids`. */
export async function loadQTable(store: Pick<AgentStore, 'qtable'>, ids: readonly string[]): Promise<QTable> {
  return withOffers((await store.qtable.load()) ?? createQTable([]), ids)
}

/**
 * The shops' plans as the agent last read them (AGENT.md §3.2, `daemon.offer_refresh`): each shop is
 * read at most once per `refreshMs` of the agent's clock, so a daemon ticking every five minutes does
 * not load every shop's pages on every tick. A shop that did not answer is read again on the next
 * tick; a purchase reads its own shop afresh and keeps what it read (`keep`).
 */
export interface OfferListing {
  /** The plans of `provider`, read now unless read less than `refreshMs` ago. */
  plans(provider: string, read: () => Promise<readonly VpsOption[]>): Promise<readonly VpsOption[]>
  /** Keeps a fresh read of `provider`'s plans (the purchase's own). */
  keep(provider: string, plans: readonly VpsOption[]): void
}

/** An `OfferListing` over `clock`; `refreshMs` 0 reads every shop on every call. */
export function createOfferListing(
  clock: Pick<AgentPorts['clock'], 'nowMs'>,
  refreshMs: number,
): OfferListing {
  const read = new Map<string, { readonly atMs: number; readonly plans: readonly VpsOption[] }>()
  const listing: OfferListing = {
    async plans(provider, fetch) {
      const held = read.get(provider)
      if (held !== undefined && clock.nowMs() - held.atMs < refreshMs) return held.plans
      const plans = await fetch()
      listing.keep(provider, plans)
      return plans
    },
    keep(provider, plans) {
      if (refreshMs > 0) read.set(provider, { atMs: clock.nowMs(), plans })
    },
  }
  return listing
}

/**
 * Lists every shop's plans (from `listing` when given; a shop that does not answer is left out this
 * tick) and prices them in sats at today's rate.
 */
export async function catalogue(
  ports: Pick<AgentPorts, 'providers' | 'network' | 'clock' | 'rng' | 'log'>,
  listing?: OfferListing,
): Promise<{ offers: OfferInfo[]; options: Map<string, VpsOption> }> {
  const offers: OfferInfo[] = []
  const options = new Map<string, VpsOption>()
  // One rate for the whole catalogue (CLOUDOMATE.md §7: fetch it once per command); without one nothing is priced.
  const usd = await ports.providers.purchase.rates.rate('USD').catch((err: unknown) => {
    ports.log.warn('tick.rate_unavailable', { code: errorCode(err) ?? 'error' })
    return undefined
  })
  if (usd === undefined) return { offers, options }
  for (const [name, driver] of ports.providers.drivers) {
    const read = (): Promise<readonly VpsOption[]> => driver.options(shopContext(ports))
    const listed = await (listing === undefined ? read() : listing.plans(name, read)).catch(
      (err: unknown) => {
        ports.log.warn('tick.shop_unreachable', { provider: name, code: errorCode(err) ?? 'error' })
        return []
      },
    )
    for (const o of listed) {
      if (o.price.currency !== 'USD') continue
      // Names are free text but bounded (learning/constants.ts): a longer one would make every file
      // holding it unreadable, so the plan is left out rather than bought and then lost track of.
      if (name.length > MAX_OFFER_NAME_CHARS || o.name.length > MAX_OFFER_NAME_CHARS) {
        ports.log.warn('tick.offer_name_too_long', { provider: name.slice(0, 64), chars: o.name.length })
        continue
      }
      const id = offerId(name, o.name)
      options.set(id, o)
      offers.push({
        id,
        provider: name,
        option: o.name,
        priceSats: expectedSats(o, usd.satsPerUnit, driver.gatewayFeePercent) + FEE_RESERVE_SATS,
        priceUsdCents: Number(o.price.cents),
        available: o.inStock,
        memoryGB: o.memoryGB,
        cores: o.cores,
        bandwidthGB: o.bandwidthTBPerMonth === null ? null : o.bandwidthTBPerMonth * 1000,
      })
    }
  }
  return { offers, options }
}

/** The offer the agent lives on (its `self_state`), as a Q-table state id; undefined for one bought by hand. */
function selfOfferId(record: AgentRecord): string | undefined {
  return record.selfState === undefined
    ? undefined
    : offerId(record.selfState.provider, record.selfState.option)
}

/** Chooses the next offer to buy (ALGORITHMS.md §4) from the agent's own state, or undefined when none fits. */
export async function chooseNext(
  ports: Pick<AgentPorts, 'providers' | 'network' | 'clock' | 'rng' | 'log' | 'store'>,
  options: Pick<AgentOptions, 'vpnHost' | 'selector'>,
  state: LifecycleState,
  record: AgentRecord,
  listing?: OfferListing,
): Promise<PricedOffer | undefined> {
  const { offers, options: plans } = await catalogue(ports, listing)
  if (offers.length === 0) return undefined
  const filter = { excludedProviders: state.excludedProviders }
  if (options.selector === 'dna') {
    // The legacy selector (AGENT.md §7): the genome's roulette; a home without a genome has no wheel.
    const genome = await ports.store.genome.load()
    const picked = genome === undefined ? undefined : chooseOfferByDna(genome, offers, filter, ports.rng)
    return priced(ports, options, picked, plans)
  }
  const own = selfOfferId(record)
  const table = await loadQTable(ports.store, [
    ...offers.map((o) => o.id),
    ...(own === undefined ? [] : [own]),
  ])
  // A root bought by hand has no offer of its own: its row is the first listed one's.
  const current = own ?? offers[0]?.id ?? ''
  const chosen = chooseOffer(
    {
      table,
      current,
      tree: record.tree,
      catalogue: offers,
      filter,
    },
    ports.rng,
  )
  return priced(ports, options, chosen, plans)
}

/** The chosen offer with its price, and the VPN that goes with it when `vpn.host` asks for one. */
async function priced(
  ports: Pick<AgentPorts, 'providers' | 'network' | 'clock' | 'rng' | 'log'>,
  options: Pick<AgentOptions, 'vpnHost'>,
  chosen: OfferInfo | undefined,
  plans: ReadonlyMap<string, VpsOption>,
): Promise<PricedOffer | undefined> {
  if (chosen === undefined || chosen.priceSats === null) return undefined
  const vpn = await priceVpn(ports, options, plans.get(chosen.id))
  return {
    provider: chosen.provider,
    option: chosen.option,
    priceSats: chosen.priceSats,
    ...(vpn === undefined ? {} : { vpn }),
  }
}

/**
 * Learning from a purchase outcome (AGENT.md §3.4 step 7): the efficiency reward from the MB the
 * ledger says were earned over the sats the agent's server cost (ALGORITHMS.md §3), and the
 * neighbours' gossiped tables merged by the Sybil rule (`learnFromOutcome`), each used once; then
 * the genome's evolve (step 8: success rewards the agent's own provider, failure punishes the one it
 * tried).
 */
export async function learn(
  ports: Pick<AgentPorts, 'clock' | 'log' | 'overlay' | 'ledger'> & {
    readonly store: Pick<AgentStore, 'qtable' | 'genome'>
    readonly providers: { readonly purchase: Pick<PurchaseDeps, 'rates'> }
  },
  state: LifecycleState,
  record: AgentRecord,
  attempted: { readonly provider: string; readonly option: string },
  success: boolean,
  options: LearnOptions = {},
): Promise<void> {
  const attemptedId = offerId(attempted.provider, attempted.option)
  const own = selfOfferId(record)
  const table = await loadQTable(ports.store, [attemptedId, ...(own === undefined ? [] : [own])])
  const current = own ?? table.offers[0] ?? attemptedId
  // The server's price in USD at today's rate; without a rate it is unpriced (reward 0, warned).
  const usd = await ports.providers.purchase.rates.rate('USD').catch(() => undefined)
  const learned = learnFromOutcome(
    {
      table,
      inbox: (await ports.overlay?.pending()) ?? EMPTY_INBOX,
      attempted: attemptedId,
      current,
      success,
      earnedMb: (await ports.ledger?.earnedMbSince(state.birthMs)) ?? 0,
      investedSats: usd === undefined ? null : investedSatsOf(record, FEE_RESERVE_SATS),
      satsPerUsd: usd?.satsPerUnit ?? 1n,
      birthMs: state.birthMs,
      nowMs: ports.clock.nowMs(),
    },
    options,
  )
  await ports.store.qtable.save(learned.table)
  await ports.overlay?.markUsed(learned.taken)
  ports.log.info('tick.learned', { remotes: learned.taken.length, reward: learned.reward.reward, success })
  if (learned.reward.warning !== undefined) ports.log.warn('tick.reward_unpriced', { current })
  const genome = await ports.store.genome.load()
  if (genome === undefined) return
  await ports.store.genome.save(
    evolveGenome(genome, {
      success,
      // A root bought by hand has no provider of its own to reward.
      selfProvider: record.selfState?.provider ?? attempted.provider,
      chosenProvider: attempted.provider,
    }),
  )
}

/**
 * The money invested in the server the agent lives on, in sats: what its parent budgeted
 * (`selfPriceSats`) less the fee reserve the tick adds to every price, i.e. the offer's price in
 * sats with the gateway fee (ALGORITHMS.md §4 `price_sat`); null when bought by hand.
 */
export function investedSatsOf(record: AgentRecord, feeReserveSats: bigint): bigint | null {
  if (record.selfPriceSats === undefined) return null
  const sats = BigInt(record.selfPriceSats) - feeReserveSats
  return sats > 0n ? sats : null
}
