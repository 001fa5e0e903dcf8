import { join } from 'node:path'
import { errorCode, type Logger, type Rng, writeFileAtomic } from '@dolly/base'
import { expectedSats, type VpsOption } from '@dolly/cloudomate'
import type { AgentRecord } from '../../daemon/agent-record.ts'
import { GENOME_FILE, QTABLE_FILE, readJsonFile } from '../../daemon/adapters/agent-home.ts'
import { evolveGenome } from '../../learning/genome.ts'
import { parseGenome, serializeGenome } from '../../learning/genome-codec.ts'
import { chooseOffer } from '../../learning/choose-offer.ts'
import { MAX_OFFER_NAME_CHARS } from '../../learning/constants.ts'
import { offerId, type OfferInfo } from '../../learning/offer.ts'
import { createQTable, updateQTable, withOffers, type QTable } from '../../learning/q-table.ts'
import { parseQTable, serializeQTable } from '../../learning/q-table-codec.ts'
import { computeReward } from '../../learning/reward.ts'
import type { LifecycleState, PricedOffer } from '../state.ts'
import { WORLD_SATS_PER_USD, type AgentRuntime } from './agent-runtime.ts'
import { priceVpn } from './vpn-effect.ts'

/**
 * The tick's learning shell: the shops' catalogue priced in sats, the next offer chosen by
 * QD-learning (ALGORITHMS.md §4), and the Q-table update after a purchase (AGENT.md §3.4 step 7).
 */

/** Room left for the network fee of one payment (sats); world fees are about 150 vB × a few sat/vB. */
export const FEE_RESERVE_SATS = 5_000n

/** Ports the catalogue needs. */
interface OfferDeps {
  readonly rng: Rng
  readonly log: Logger
}

/** The agent's `qtable.json` (an empty table before the first write), extended by `ids`. */
export async function loadQTable(home: string, ids: readonly string[]): Promise<QTable> {
  const json = await readJsonFile(join(home, QTABLE_FILE))
  return withOffers(json === undefined ? createQTable([]) : parseQTable(json), ids)
}

/** Lists every shop's plans (a shop that does not answer is left out this tick) and prices them in sats. */
export async function catalogue(
  rt: AgentRuntime,
  deps: OfferDeps,
): Promise<{ offers: OfferInfo[]; options: Map<string, VpsOption> }> {
  const offers: OfferInfo[] = []
  const options = new Map<string, VpsOption>()
  for (const [name, driver] of rt.drivers) {
    const ctx = {
      session: rt.purchaseDeps.newSession(),
      network: rt.network,
      clock: rt.clock,
      rng: deps.rng,
      log: deps.log,
    }
    const listed = await driver.options(ctx).catch((err: unknown) => {
      deps.log.warn('tick.shop_unreachable', { provider: name, code: errorCode(err) ?? 'error' })
      return []
    })
    for (const o of listed) {
      if (o.price.currency !== 'USD') continue
      // Names are free text but bounded (learning/constants.ts): a longer one would make every file
      // holding it unreadable, so the plan is left out rather than bought and then lost track of.
      if (name.length > MAX_OFFER_NAME_CHARS || o.name.length > MAX_OFFER_NAME_CHARS) {
        deps.log.warn('tick.offer_name_too_long', { provider: name.slice(0, 64), chars: o.name.length })
        continue
      }
      const id = offerId(name, o.name)
      options.set(id, o)
      offers.push({
        id,
        provider: name,
        option: o.name,
        priceSats: expectedSats(o, WORLD_SATS_PER_USD, driver.gatewayFeePercent) + FEE_RESERVE_SATS,
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
  rt: AgentRuntime,
  deps: OfferDeps,
  state: LifecycleState,
  record: AgentRecord,
): Promise<PricedOffer | undefined> {
  const { offers, options } = await catalogue(rt, deps)
  if (offers.length === 0) return undefined
  const own = selfOfferId(record)
  const table = await loadQTable(rt.home, [...offers.map((o) => o.id), ...(own === undefined ? [] : [own])])
  // A root bought by hand has no offer of its own: its row is the first listed one's.
  const current = own ?? offers[0]?.id ?? ''
  const chosen = chooseOffer(
    {
      table,
      current,
      tree: record.tree,
      catalogue: offers,
      filter: { excludedProviders: state.excludedProviders },
    },
    deps.rng,
  )
  if (chosen === undefined || chosen.priceSats === null) return undefined
  const vpn = await priceVpn(rt, deps, options.get(chosen.id))
  return {
    provider: chosen.provider,
    option: chosen.option,
    priceSats: chosen.priceSats,
    ...(vpn === undefined ? {} : { vpn }),
  }
}

/**
 * Learning from a purchase outcome: QD-learning (AGENT.md §3.4 step 7; the reward is 0 while nothing
 * is earned) and the genome's evolve (step 8: success rewards the agent's own provider, failure
 * punishes the one it tried).
 */
export async function learn(
  rt: Pick<AgentRuntime, 'home' | 'clock'>,
  state: LifecycleState,
  record: AgentRecord,
  attempted: { readonly provider: string; readonly option: string },
  success: boolean,
): Promise<void> {
  const attemptedId = offerId(attempted.provider, attempted.option)
  const own = selfOfferId(record)
  const table = await loadQTable(rt.home, [attemptedId, ...(own === undefined ? [] : [own])])
  const current = own ?? table.offers[0] ?? attemptedId
  const { reward } = computeReward({
    priceUsdCents: null,
    birthMs: state.birthMs,
    nowMs: rt.clock.nowMs(),
    earnedMb: 0,
  })
  const next = updateQTable(table, { attempted: attemptedId, current, success, reward, remotes: [] })
  await writeFileAtomic(join(rt.home, QTABLE_FILE), `${JSON.stringify(serializeQTable(next))}\n`, {
    mode: 0o600,
    dirMode: 0o700,
  })
  const genomeJson = await readJsonFile(join(rt.home, GENOME_FILE))
  if (genomeJson === undefined) return
  const genome = evolveGenome(parseGenome(genomeJson), {
    success,
    // A root bought by hand has no provider of its own to reward.
    selfProvider: record.selfState?.provider ?? attempted.provider,
    chosenProvider: attempted.provider,
  })
  await writeFileAtomic(join(rt.home, GENOME_FILE), `${JSON.stringify(serializeGenome(genome), null, 2)}\n`, {
    mode: 0o600,
    dirMode: 0o700,
  })
}
