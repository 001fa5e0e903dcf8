import { join } from 'node:path'
import { errorCode, type Clock, type Logger, type Rng } from '@dolly/base'
import { foldJournal, generateIdentity, purchase, readServiceState } from '@dolly/cloudomate'
import { deriveAccount, deriveAddress, deriveChildRoot } from '@dolly/wallet'
import { parseCreateChildArgs } from '../../replication/create-child-args.ts'
import { runCreateChild } from '../../cli/create-child.ts'
import { readAgentRecord } from '../../daemon/adapters/agent-home.ts'
import { STATE_DB_FILE } from '../../ledger/adapters/sqlite-store.ts'
import { LifecycleError } from '../errors.ts'
import { lifecycleStatusOf, type LifecycleStatus } from '../lifecycle-status.ts'
import { applyOutcome, startInstall } from '../outcome.ts'
import {
  childrenOf,
  initialLifecycle,
  type EffectOutcome,
  type LifecycleState,
  type TickEffect,
  type TickPolicy,
} from '../state.ts'
import { decideTick } from '../tick.ts'
import { openAgentRuntime, type AgentRuntime } from './agent-runtime.ts'
import { FEE_RESERVE_SATS, catalogue, chooseNext, learn } from './offers.ts'
import { offerId } from '../../learning/offer.ts'
import { openLifecycleStore, type LifecycleStore } from './state-store.ts'
import { acquireTickLock } from './tick-lock.ts'

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
}

/** Ports of a tick. */
export interface TickDeps {
  readonly rng: Rng
  readonly log: Logger
  readonly env: Readonly<Record<string, string | undefined>>
  /** Real-time clock for SSH and heartbeat waits of create-child. */
  readonly realClock: Clock
}

function policyOf(rt: AgentRuntime): TickPolicy {
  return {
    sweepBeforeMs: rt.config.sweepBeforeMs,
    stopBuyingBeforeMs: rt.config.liquidateBeforeMs,
    maxInstallAttempts: rt.config.installMaxAttempts,
    dowryPercent: rt.config.dowryPercent,
    maxProviderFailures: rt.config.maxConsecutiveFailures,
    feeReserveSats: FEE_RESERVE_SATS,
  }
}

/** The child's first receive address, derived by the parent from the family key tree (no message needed). */
function childAddress(rt: AgentRuntime, childIndex: number): string {
  const account = deriveAccount(deriveChildRoot(rt.walletRoot, childIndex), rt.network)
  return deriveAddress(account, rt.network, 0, 0).address
}

async function runEffect(
  rt: AgentRuntime,
  deps: TickDeps,
  state: LifecycleState,
  effect: Exclude<TickEffect, { kind: 'idle' }>,
): Promise<EffectOutcome> {
  if (effect.kind === 'pay-heir') {
    const heir = childrenOf(state).at(-1)
    const to = heir?.childIndex != null ? childAddress(rt, heir.childIndex) : rt.config.btcGlobal
    if (to === undefined) throw new LifecycleError('LIFECYCLE_CONFIG_INVALID', 'no heir address', {})
    const record = await payOnce(rt, 'heir sweep', to, effect.amountSats)
    return { kind: 'heir-paid', txid: record }
  }
  const item = state.items.find((i) => i.id === effect.itemId)
  if (item === undefined)
    throw new LifecycleError('LIFECYCLE_STATE_MALFORMED', `no item ${effect.itemId}`, {})
  const driver = rt.drivers.get(item.provider)
  if (driver === undefined && effect.kind !== 'dowry') {
    return effect.kind === 'buy'
      ? { kind: 'buy-failed', itemId: item.id, reason: `no shop ${item.provider} in [world] providers` }
      : { kind: 'service-failed', itemId: item.id, status: `no shop ${item.provider}` }
  }
  switch (effect.kind) {
    case 'buy': {
      if (driver === undefined) throw new LifecycleError('LIFECYCLE_STATE_MALFORMED', 'no driver', {})
      // A crash after cloudomate journaled `paid` but before our state recorded it: adopt that purchase.
      const known = new Set(state.items.map((i) => i.purchaseId))
      const paid = [...foldJournal(await rt.journal.readAll()).values()].find(
        (r) =>
          r.provider === item.provider &&
          (r.state === 'paid' || r.state === 'active' || r.state === 'failed') &&
          !known.has(r.purchaseId) &&
          r.startedAtMs >= item.sinceMs &&
          r.txid !== undefined,
      )
      if (paid?.txid !== undefined)
        return { kind: 'bought', itemId: item.id, purchaseId: paid.purchaseId, txid: paid.txid }
      const { options } = await catalogue(rt, deps)
      const option = options.get(offerId(item.provider, item.option))
      if (option === undefined)
        return { kind: 'buy-failed', itemId: item.id, reason: 'the plan is no longer listed' }
      try {
        const outcome = await purchase(rt.purchaseDeps, {
          driver,
          option,
          settings: generateIdentity(deps.rng),
          policy: { tolerancePct: 3, maxSats: item.priceSats },
        })
        if (outcome.kind !== 'paid') return { kind: 'buy-failed', itemId: item.id, reason: outcome.kind }
        return { kind: 'bought', itemId: item.id, purchaseId: outcome.purchaseId, txid: outcome.txid }
      } catch (err) {
        return { kind: 'buy-failed', itemId: item.id, reason: errorCode(err) ?? String(err) }
      }
    }
    case 'check-active':
    case 'install': {
      if (driver === undefined || item.purchaseId === null)
        throw new LifecycleError('LIFECYCLE_STATE_MALFORMED', 'unpaid item', {})
      const account = await rt.accounts.load(item.purchaseId)
      if (account === undefined)
        return { kind: 'service-failed', itemId: item.id, status: 'purchase account missing' }
      const { state: service } = await readServiceState(rt.purchaseDeps, driver, account)
      if (service.kind === 'failed')
        return { kind: 'service-failed', itemId: item.id, status: service.status }
      if (service.kind === 'pending') return { kind: 'pending', itemId: item.id, status: service.status }
      if (effect.kind === 'check-active') return { kind: 'active', itemId: item.id, ip: service.ip }
      if (service.rootPassword === undefined)
        return { kind: 'install-failed', itemId: item.id, reason: 'no root password' }
      try {
        const report = await runCreateChild(
          { clock: deps.realClock, rng: deps.rng, log: deps.log, env: deps.env },
          rt.home,
          parseCreateChildArgs(['-i', service.ip, '-p', service.rootPassword]),
        )
        return { kind: 'installed', itemId: item.id, childTree: report.tree, childIndex: report.index }
      } catch (err) {
        return {
          kind: 'install-failed',
          itemId: item.id,
          reason: `${errorCode(err) ?? 'error'}: ${err instanceof Error ? err.message : String(err)}`,
        }
      }
    }
    case 'dowry': {
      if (item.childIndex === null)
        throw new LifecycleError('LIFECYCLE_STATE_MALFORMED', 'dowry before install', {})
      const txid = await payOnce(
        rt,
        `dowry ${item.childTree ?? item.id}`,
        childAddress(rt, item.childIndex),
        effect.amountSats,
      )
      return { kind: 'dowry-paid', itemId: item.id, txid }
    }
    default: {
      const never: never = effect
      return never
    }
  }
}

/** Pays `amountSats` for `purpose` unless the wallet's journal already holds a payment with that purpose. */
async function payOnce(rt: AgentRuntime, purpose: string, to: string, amountSats: bigint): Promise<string> {
  await rt.wallet.reconcile()
  const done = rt.wallet.history().payments.find((p) => p.purpose === purpose && p.state !== 'failed')
  if (done !== undefined) return done.txid
  return (await rt.wallet.send({ to, amountSats, purpose })).txid
}

/**
 * One check tick (AGENT.md §3.3) for the agent in `home`: takes the tick lock, loads the state,
 * then decides and runs effects until the core is idle, saving the state before each effect (the
 * intent) and after it (the outcome).
 */
export async function runTick(deps: TickDeps, home: string): Promise<TickReport> {
  const release = await acquireTickLock(home)
  if (release === undefined)
    return { ran: false, effects: [], idle: 'LOCKED', state: undefined, status: undefined }
  let rt: AgentRuntime | undefined
  let store: LifecycleStore | undefined
  try {
    const record = await readAgentRecord(home)
    if (record === undefined)
      throw new LifecycleError('LIFECYCLE_NOT_SET_UP', `no agent in ${home}: run plebnet setup`, { home })
    rt = await openAgentRuntime(deps, home)
    store = openLifecycleStore(join(home, STATE_DB_FILE))
    let state = store.load() ?? initialLifecycle(rt.clock.nowMs(), rt.config.leaseMs)
    const policy = policyOf(rt)
    const effects: TickEffect['kind'][] = []
    let idle: string | null = null
    await rt.wallet.reconcile()
    for (let n = 0; n < MAX_EFFECTS_PER_TICK; n++) {
      const balance = await rt.wallet.balance()
      if (n === 0) store.recordMetric(rt.clock.nowMs(), balance.spendableSats)
      const base = {
        nowMs: rt.clock.nowMs(),
        spendableSats: balance.spendableSats,
        hasHeir: childrenOf(state).length > 0 || rt.config.btcGlobal !== undefined,
      }
      let step = decideTick(state, { ...base, chosen: undefined }, policy)
      if (step.effect.kind === 'idle' && step.effect.reason === 'NO_OFFER') {
        step = decideTick(state, { ...base, chosen: await chooseNext(rt, deps, state, record.tree) }, policy)
      }
      state = step.state
      store.save(state)
      const effect = step.effect
      if (effect.kind === 'idle') {
        idle = effect.reason
        break
      }
      effects.push(effect.kind)
      if (effect.kind === 'install') {
        state = startInstall(state, effect.itemId)
        store.save(state)
      }
      deps.log.info('tick.effect', { kind: effect.kind })
      const outcome = await runEffect(rt, deps, state, effect)
      state = applyOutcome(state, outcome, rt.clock.nowMs(), policy)
      store.save(state)
      if (outcome.kind === 'bought' || outcome.kind === 'buy-failed') {
        const item = state.items.find((i) => i.id === outcome.itemId)
        if (item !== undefined)
          await learn(rt, state, offerId(item.provider, item.option), outcome.kind === 'bought')
      }
      deps.log.info('tick.outcome', { kind: outcome.kind })
    }
    const after = await rt.wallet.balance()
    return {
      ran: true,
      effects,
      idle,
      state,
      status: lifecycleStatusOf(state, after.spendableSats, rt.clock.nowMs(), idle),
    }
  } finally {
    store?.close()
    rt?.close()
    await release()
  }
}
