import { serializeGenome, serializeQTable } from '@dolly/learning'
import { dustThresholdSats, P2WPKH_SCRIPT_BYTES } from '@dolly/wallet'
import { LifecycleError } from '../lifecycle/errors.ts'
import { anyHeir } from '../lifecycle/heir.ts'
import { lifecycleStatusOf, type LifecycleStatus } from '../lifecycle/lifecycle-status.ts'
import { applyOutcome, startInstall } from '../lifecycle/outcome.ts'
import { initialLifecycle, type LifecycleState, type TickEffect } from '../lifecycle/state.ts'
import { decideTick } from '../lifecycle/tick.ts'
import { unrecordedPayments } from '../lifecycle/unrecorded-payments.ts'
import { sourcesOf } from './effects/heir.ts'
import { chooseNext, createOfferListing, learn } from './effects/offers.ts'
import { runEffect } from './effects/run-effect.ts'
import { sellStep, type SellReport } from './effects/sell.ts'
import { replicationPrice } from '../strategies/common.ts'
import type { PricedOffer } from '../lifecycle/state.ts'
import type { AgentOptions, AgentPorts } from './ports.ts'

/** Effects run in one tick at most (a tick resumes, buys, checks, installs and pays the dowry). */
const MAX_EFFECTS_PER_TICK = 6

/** What one tick did. */
export interface TickReport {
  readonly ran: boolean
  readonly effects: readonly TickEffect['kind'][]
  readonly idle: string | null
  readonly state: LifecycleState | undefined
  /** The status API's view after the tick (undefined when the tick did not run). */
  readonly status: LifecycleStatus | undefined
  /** What the sell step did; undefined without a market (or matchmakers) or once the heir is paid. */
  readonly sell: SellReport | undefined
}

/** The agent as one object: its check tick and its latest lifecycle view. */
export interface Agent {
  /**
   * One check tick (AGENT.md §3.3): loads the state, then decides and runs effects until the core is
   * idle, saving the state before each effect (the intent) and after it (the outcome). The caller
   * keeps ticks apart (the daemon's loop; the tick lock against `plebnet check`).
   */
  tick(): Promise<TickReport>
  /** The status API's lifecycle view after the latest tick; undefined before the first. */
  status(): LifecycleStatus | undefined
  /** Closes the store (the wallet and drivers belong to whoever opened the ports). */
  close(): void
  /** Resolves once the work a tick left running beside it (the postcards' delivery) is done. */
  settled(): Promise<void>
}

/**
 * The wire form of a Q-table or genome, kept per object: both are immutable values (learning
 * returns a new one on every change), and the status view serialized the same one on every tick.
 */
const wires = new WeakMap<object, unknown>()
function wireOf<T extends object, W>(value: T, serialize: (value: T) => W): W {
  if (wires.has(value)) return wires.get(value) as W
  const wire = serialize(value)
  wires.set(value, wire)
  return wire
}

/**
 * `replicationPrice` (ALGORITHMS.md §5.1) of the offer the tick chose, else of the agent's last
 * purchase (its next one will cost about as much); 0 before any, when there is nothing to sell for.
 */
function nextReplicationPrice(chosen: PricedOffer | undefined, state: LifecycleState): bigint {
  if (chosen !== undefined) return replicationPrice(chosen.priceSats, chosen.vpn?.priceSats ?? 0n)
  const last = state.items.at(-1)
  return last === undefined ? 0n : replicationPrice(last.priceSats, last.vpn?.priceSats ?? 0n)
}

/**
 * Builds the agent from its ports (DESIGN.md §4): the daemon and `plebnet check` build it once from
 * the agent's config, tests and the simulator from memory adapters and a virtual clock. The decision
 * core (lifecycle/tick.ts, outcome.ts) stays pure; this runs its effects over the ports.
 */
export function createAgent(ports: AgentPorts, options: AgentOptions): Agent {
  const { store, wallet, clock, log, checkpoint } = ports
  const policy = options.policy
  // The chain's dust limit for a child's address: a smaller dowry would be refused (tick.ts waits).
  const childDustSats = dustThresholdSats(ports.network, P2WPKH_SCRIPT_BYTES, true)
  let latest: LifecycleStatus | undefined
  /** The postcards' delivery round, running beside the ticks (one at a time). */
  let delivering: Promise<void> | undefined
  /** The shops' plans, read again every `offerRefreshMs` (AGENT.md §3.2 offer refresh). */
  const listing = createOfferListing(clock, options.offerRefreshMs ?? 0)

  async function tick(): Promise<TickReport> {
    const record = await store.record.load()
    if (record === undefined)
      throw new LifecycleError('LIFECYCLE_NOT_SET_UP', 'no agent record: run plebnet setup', {})
    let state = store.lifecycle.load() ?? initialLifecycle(clock.nowMs(), options.leaseMs, record.leaseEndMs)
    const effects: TickEffect['kind'][] = []
    let idle: string | null = null
    /** The offer the tick would buy next: its price is what the sell strategies ask for. */
    let chosen: PricedOffer | undefined
    await wallet.reconcile()
    // A tick killed after a dowry or heir payment and before saving its outcome: record it now.
    for (const outcome of unrecordedPayments(
      state,
      wallet
        .history()
        .payments.map((p) => ({ purpose: p.purpose, txid: p.txid, failed: p.state === 'failed' })),
    )) {
      log.info('tick.payment_adopted', { kind: outcome.kind, txid: outcome.txid })
      // The same step as a payment made in this tick: paid, not yet saved.
      checkpoint(outcome.kind === 'heir-paid' ? 'sweep' : 'dowry')
      state = applyOutcome(state, outcome, clock.nowMs(), policy)
      store.lifecycle.save(state)
    }
    /** The wallet's balance as the loop last read it, before a decision that ran no effect. */
    let idleBalance: Awaited<ReturnType<typeof wallet.balance>> | undefined
    for (let n = 0; n < MAX_EFFECTS_PER_TICK; n++) {
      const balance = await wallet.balance()
      if (n === 0) store.lifecycle.recordMetric(clock.nowMs(), balance.spendableSats)
      const base = {
        nowMs: clock.nowMs(),
        spendableSats: balance.spendableSats,
        hasHeir: anyHeir(sourcesOf(ports, options, state, record)),
        minPaymentSats: childDustSats,
      }
      let step = decideTick(state, { ...base, chosen: undefined }, policy)
      if (step.effect.kind === 'idle' && step.effect.reason === 'NO_OFFER') {
        chosen = await chooseNext(ports, options, state, record, listing)
        step = decideTick(state, { ...base, chosen }, policy)
      }
      state = step.state
      store.lifecycle.save(state)
      const effect = step.effect
      if (effect.kind === 'idle') {
        idle = effect.reason
        idleBalance = balance
        break
      }
      effects.push(effect.kind)
      if (effect.kind === 'install') {
        state = startInstall(state, effect.itemId)
        store.lifecycle.save(state)
      }
      log.info('tick.effect', { kind: effect.kind })
      const outcome = await runEffect(ports, options, state, record, effect, listing)
      state = applyOutcome(state, outcome, clock.nowMs(), policy)
      store.lifecycle.save(state)
      if (outcome.kind === 'active') checkpoint('server-active')
      if (outcome.kind === 'bought' || outcome.kind === 'buy-failed') {
        const item = state.items.find((i) => i.id === outcome.itemId)
        if (item !== undefined)
          await learn(ports, state, record, item, outcome.kind === 'bought', options.learn)
      }
      log.info('tick.outcome', { kind: outcome.kind })
    }
    // A tick that ended idle read the balance after its last effect and spent nothing since; one
    // that ran out of effects reads it again.
    const after = idleBalance ?? (await wallet.balance())
    const qtable = await store.qtable.load()
    const genome = await store.genome.load()
    // Step 9's selling (AGENT.md §3.3): asks for what the next server costs, or, in the last day,
    // everything at the market's price; the coins it brings are spent by a later tick's purchase.
    const sell = state.heirPaid
      ? undefined
      : await sellStep(ports, options, {
          genome,
          spendableSats: after.spendableSats,
          expirationMs: state.expirationMs,
          replicationPriceSats: nextReplicationPrice(chosen, state),
        })
    latest = lifecycleStatusOf(state, after.spendableSats, clock.nowMs(), idle, policy, {
      self: record.selfState ?? null,
      qtable: qtable === undefined ? null : wireOf(qtable, serializeQTable),
      genome: genome === undefined ? null : wireOf(genome, serializeGenome),
      earning: ports.ledger !== undefined,
      ...(sell === undefined ? {} : { sell }),
    })
    // Postcards for installed children (AGENT.md §14): beside the tick, so a slow or dead mail
    // server never holds up buying and installing; the postman never rejects.
    if (ports.postman !== undefined && delivering === undefined) {
      delivering = ports.postman.deliver(state, record.tree).then(
        () => undefined,
        () => undefined,
      )
      void delivering.then(() => (delivering = undefined))
    }
    return { ran: true, effects, idle, state, status: latest, sell }
  }

  return {
    tick,
    status: () => latest,
    close: () => store.close(),
    settled: async () => {
      await delivering
    },
  }
}
