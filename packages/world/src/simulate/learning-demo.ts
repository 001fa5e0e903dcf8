import type { Rng } from '@dolly/base'
import {
  STRATEGY_NAMES,
  computeReward,
  createQTable,
  createRootGenome,
  evolveGenome,
  inheritGenome,
  parseQTable,
  receiveRemote,
  serializeQTable,
  takeRemotes,
  updateQTable,
} from '@dolly/learning'
import { networkConstants } from '@dolly/overlay'
import { applyStrategy, replicationPrice, type Trade } from '@dolly/plebnet'
import { clearMarket } from './demo-market.ts'
import { DEMO_OFFERS, type DemoOffer } from './demo-offers.ts'
import { chooseNextOffer, describeLiving, newSimAgent, type NewAgentFields } from './demo-agent.ts'
import {
  DAY_MS,
  DEMO_START_MS,
  DEMO_VERSION,
  HOUR_MS,
  type DemoEvent,
  type DemoSummary,
  type LearningDemoOptions,
  type SimAgent,
} from './demo-types.ts'

export {
  DEMO_START_MS,
  LEARNING_DEMO_DEFAULTS,
  type DemoEvent,
  type DemoSummary,
  type LearningDemoOptions,
} from './demo-types.ts'

/**
 * Runs the in-process learning demo (the seed of the fleet simulator, after the original's
 * learning_demo): agents earn MB, sell them with their genome's strategy on a market with a fixed
 * buyer budget, choose offers with QD-learning, buy servers that sometimes fail, replicate (with
 * inherited genome and Q-table), gossip Q-tables in their family and die at lease end. Pure apart
 * from `onEvent`: the same options and seed give the same events.
 */
export function runLearningDemo(
  options: LearningDemoOptions,
  rng: Rng,
  onEvent: (event: DemoEvent) => void,
): DemoSummary {
  const offers = DEMO_OFFERS
  const offerIds = offers.map((o) => o.id)
  const providers = [...new Set(offers.map((o) => o.provider))]
  const tickMs = options.tickHours * HOUR_MS
  const leaseMs = options.leaseDays * DAY_MS
  let agents: SimAgent[] = []
  const byTree = new Map<string, SimAgent>()
  let trades: Trade[] = []
  const purchases: Record<string, { ok: number; failed: number }> = Object.fromEntries(
    offerIds.map((id) => [id, { ok: 0, failed: 0 }]),
  )
  let born = 0
  let died = 0
  let maxGeneration = 1
  let mbEarned = 0n
  let mbSold = 0n
  let satsEarned = 0n

  const addAgent = (a: SimAgent): void => {
    agents.push(a)
    byTree.set(a.tree, a)
    maxGeneration = Math.max(maxGeneration, a.generation)
  }
  const newAgent = (fields: NewAgentFields): SimAgent => newSimAgent(fields, leaseMs)

  for (let i = 0; i < options.agents; i++) {
    const offer = offers[rng.int(offers.length)] ?? DEMO_OFFERS[0]
    if (offer === undefined) break
    // Roots are staggered through their lease so deaths and births spread over the run.
    const birthMs = DEMO_START_MS - rng.int(options.leaseDays) * DAY_MS
    const genome = createRootGenome({
      providers,
      version: DEMO_VERSION,
      exitNode: i % 2 === 0,
      strategy: STRATEGY_NAMES[i % STRATEGY_NAMES.length] ?? 'constant_sell',
    })
    addAgent(
      newAgent({
        tree: `dolly${i + 1}`,
        generation: 1,
        parent: null,
        offer,
        birthMs,
        btcSats: 0n,
        q: createQTable(offerIds),
        genome,
      }),
    )
  }

  const living = (): SimAgent[] => agents.filter((a) => byTree.has(a.tree))
  const priceOf = (offer: DemoOffer | null): bigint =>
    offer === null || offer.priceSats === null ? 0n : replicationPrice(offer.priceSats, 0n)
  const publish = (from: SimAgent, nowMs: number): void => {
    const family = [from.parent, ...from.children].flatMap((t) => (t === null ? [] : [byTree.get(t)]))
    for (const peer of family) {
      if (peer !== undefined)
        peer.inbox = receiveRemote(
          peer.inbox,
          {
            senderId: from.tree,
            receivedMs: nowMs,
            table: from.q,
            standing: 'family',
            knownSinceMs: from.birthMs,
          },
          {
            maxTables: networkConstants.INBOX_MAX_TABLES,
            maxStrangerTables: networkConstants.INBOX_MAX_STRANGER_TABLES,
          },
        )
    }
  }

  const attemptPurchase = (a: SimAgent, tick: number, nowMs: number): void => {
    for (let n = 0; n < a.genome.strategy.vpsCount; n++) {
      const target = a.chosen
      if (target === null || target.priceSats === null) return
      if (a.btcSats < replicationPrice(target.priceSats, 0n) || byTree.size >= options.maxAgents) return
      publish(a, nowMs)
      const success = rng.float() >= target.failureRate
      const { reward } = computeReward({
        priceUsdCents: a.offer.priceUsdCents,
        birthMs: a.birthMs,
        nowMs,
        earnedMb: a.mbEarned,
      })
      const taken = takeRemotes(a.inbox, 8)
      a.inbox = taken.inbox
      a.q = updateQTable(a.q, {
        attempted: target.id,
        current: a.offer.id,
        success,
        reward,
        remotes: taken.tables,
      })
      a.genome = evolveGenome(a.genome, {
        success,
        selfProvider: a.offer.provider,
        chosenProvider: target.provider,
      })
      // Paid either way: a failed purchase is money spent without a child (AGENT.md §3.5 step 10).
      a.btcSats -= target.priceSats
      const stats = purchases[target.id]
      if (success) {
        if (stats !== undefined) stats.ok += 1
        const dowry = (a.btcSats * BigInt(a.genome.dowryBps)) / 10_000n
        a.btcSats -= dowry
        const tree = `${a.tree}.${a.childIndex}`
        a.children.push(tree)
        a.failures[target.provider] = 0
        // The hand-over goes through the wire format, as it would over SSH.
        const q = parseQTable(JSON.parse(JSON.stringify(serializeQTable(a.q))))
        const genome = inheritGenome(a.genome, rng, { runningVersion: DEMO_VERSION })
        const child = newAgent({
          tree,
          generation: a.generation + 1,
          parent: a.tree,
          offer: target,
          birthMs: nowMs,
          btcSats: dowry,
          q,
          genome,
        })
        addAgent(child)
        born += 1
        onEvent({
          event: 'node_replication',
          tick,
          parent: a.tree,
          child: tree,
          offer: target.id,
          priceSats: target.priceSats,
          dowrySats: dowry,
          generation: child.generation,
        })
      } else {
        if (stats !== undefined) stats.failed += 1
        const count = (a.failures[target.provider] ?? 0) + 1
        a.failures[target.provider] = count
        if (count >= 3 && !a.excluded.includes(target.provider)) a.excluded.push(target.provider)
        onEvent({
          event: 'purchase_failed',
          tick,
          agent: a.tree,
          offer: target.id,
          lostSats: target.priceSats,
        })
      }
      a.childIndex += 1
      a.chosen = chooseNext(a)
    }
  }

  const chooseNext = (a: SimAgent): DemoOffer | null => chooseNextOffer(a, offers, rng)

  for (let tick = 0; tick < options.ticks; tick++) {
    const nowMs = DEMO_START_MS + tick * tickMs
    for (const a of living()) {
      if (a.expirationMs > nowMs) continue
      const heir = [...a.children].reverse().find((t) => byTree.has(t) && t !== a.tree) ?? null
      const heirAgent = heir === null ? undefined : byTree.get(heir)
      if (heirAgent !== undefined) heirAgent.btcSats += a.btcSats
      byTree.delete(a.tree)
      died += 1
      onEvent({
        event: 'node_death',
        tick,
        agent: a.tree,
        generation: a.generation,
        children: a.children.length,
        btcSats: a.btcSats,
        heir: heirAgent === undefined ? null : heir,
      })
    }
    agents = living()
    for (const a of living()) {
      const factor = (0.5 + rng.float()) * (a.genome.exitNode ? 1.25 : 1)
      const earned = BigInt(Math.floor(((a.offer.earnMbPerDay * options.tickHours) / 24) * factor))
      a.mb += earned
      a.mbEarned += Number(earned)
      mbEarned += earned
      onEvent({ event: 'earn_mb_tokens', tick, agent: a.tree, mb: earned })
      if (a.chosen === null) a.chosen = chooseNext(a)
      const decision = applyStrategy(a.genome.strategy.name, a.strategy, {
        nowMs,
        market: {
          trades,
          bestBidSatPerMb: null,
          lastOrderFill: a.orderAskedMb > 0n ? Number(a.orderFilledMb) / Number(a.orderAskedMb) : null,
          canCancel: true,
        },
        balances: { btcSats: a.btcSats, mb: a.mb },
        replicationPriceSats: priceOf(a.chosen),
        vpsCount: a.genome.strategy.vpsCount,
        expirationMs: a.expirationMs,
        tickMs,
        orderTimeoutMs: HOUR_MS,
        floorSatPerMb: 0,
        smaWindowDays: a.genome.strategy.smaWindowDays,
      })
      a.strategy = decision.state
      for (const action of decision.actions) {
        if (action.kind === 'cancel-last') {
          a.order = null
        } else {
          a.order = {
            agent: a.tree,
            mb: action.mb,
            sats: action.sats,
            expiresMs: nowMs + action.timeoutS * 1000,
          }
          a.orderAskedMb = action.mb
          a.orderFilledMb = 0n
        }
      }
      if (decision.attemptPurchase) attemptPurchase(a, tick, nowMs)
    }
    // An order never offers more than the seller holds now, so a fill can always be delivered.
    const book = living().flatMap((a) =>
      a.order !== null && a.order.expiresMs > nowMs && a.order.mb <= a.mb ? [a.order] : [],
    )
    const limitMilli = Math.round(options.buyerPriceMilliSatPerMb * (0.8 + 0.4 * rng.float()))
    const { fills, spentSats } = clearMarket(book, {
      budgetSats: (options.demandSatsPerDay * BigInt(options.tickHours)) / 24n,
      limitSats: BigInt(limitMilli),
      limitMb: 1000n,
    })
    let filledMb = 0n
    for (const f of fills) {
      const a = byTree.get(f.agent)
      if (a === undefined || a.order === null) continue
      const mb = f.mb
      a.mb -= mb
      a.btcSats += f.sats
      a.orderFilledMb += mb
      const rest = { ...a.order, mb: a.order.mb - f.mb, sats: a.order.sats - f.sats }
      a.order = rest.mb > 0n && rest.sats > 0n ? rest : null
      filledMb += mb
      mbSold += mb
      satsEarned += f.sats
      onEvent({ event: 'sold_mb_tokens', tick, agent: a.tree, mb, sats: f.sats })
    }
    if (filledMb > 0n) {
      trades = [
        ...trades.filter((t) => t.timeMs > nowMs - 61 * DAY_MS),
        { priceSatPerMb: Number(spentSats) / Number(filledMb), timeMs: nowMs },
      ]
    }
  }

  const alive = living()
  const { favourites, strategies } = describeLiving(alive)
  return {
    event: 'summary',
    ticks: options.ticks,
    simulatedDays: (options.ticks * options.tickHours) / 24,
    alive: alive.length,
    born,
    died,
    maxGeneration,
    mbEarned,
    mbSold,
    satsEarned,
    purchases,
    favourites,
    strategies,
  }
}
