import { join } from 'node:path'
import { errorCode, type Checkpoint, type Clock, type Logger, type Rng } from '@dolly/base'
import { foldJournal, generateIdentity, purchase, readServiceState } from '@dolly/cloudomate'
import { deriveAccount, deriveAddress, deriveChildRoot, validateAddress } from '@dolly/wallet'
import { parseCreateChildArgs } from '../../replication/create-child-args.ts'
import { runCreateChild, type ChildHandover } from '../../cli/create-child.ts'
import { fetchStatus } from '../../cli/status.ts'
import { isHandingOver } from '../../daemon/status.ts'
import type { AgentRecord } from '../../daemon/agent-record.ts'
import { GENOME_FILE, QTABLE_FILE, readAgentRecord, readJsonFile } from '../../daemon/adapters/agent-home.ts'
import { STATUS_PORT } from '../../replication/constants.ts'
import { STATE_DB_FILE } from '../../ledger/adapters/sqlite-store.ts'
import { LifecycleError } from '../errors.ts'
import { anyHeir, heirSources, pickHeir, type Heir } from '../heir.ts'
import { lifecycleStatusOf, type LifecycleStatus } from '../lifecycle-status.ts'
import { applyOutcome, startInstall } from '../outcome.ts'
import {
  initialLifecycle,
  leaseWindows,
  type EffectOutcome,
  type LifecycleState,
  type TickEffect,
  type TickPolicy,
} from '../state.ts'
import { decideTick } from '../tick.ts'
import { dowryPurpose, heirPurpose, unrecordedPayments } from '../unrecorded-payments.ts'
import { openAgentRuntime, type AgentRuntime } from './agent-runtime.ts'
import { FEE_RESERVE_SATS, catalogue, chooseNext, learn } from './offers.ts'
import { offerId } from '../../learning/offer.ts'
import { openLifecycleStore, type LifecycleStore } from './state-store.ts'
import { acquireTickLock } from './tick-lock.ts'
import { childVpnArgs, runVpnEffect, vpnInstallFailure } from './vpn-effect.ts'

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
  /** Whether an agent can inherit (default: its status API names its tree and it is not handing over itself). */
  readonly agentAlive?: (host: string, tree: string, port?: number) => Promise<boolean>
  /** Fault injection at the named steps of `KILL_POINTS` (default: none). */
  readonly checkpoint?: Checkpoint
}

/** Real ms an agent has to answer the liveness probe before the heir search moves on. */
const PROBE_MS = 3_000

/**
 * Whether the agent at `host` can take over coins: it answers with the expected tree path and is
 * not handing over itself (coins sent to an agent past its own sweep would stay on a dying server,
 * or bounce between a parent and a child whose leases end together).
 */
async function probeAgent(host: string, tree: string, port: number = STATUS_PORT): Promise<boolean> {
  const status = await fetchStatus(`http://${host.includes(':') ? `[${host}]` : host}:${port}`, {
    timeoutMs: PROBE_MS,
  })
  // Peers get the public status: `handingOver` tells the same as the full one's sweep time.
  return status?.tree === tree && !isHandingOver(status)
}

/** The world's time scale (world ms per real ms), 1 for an agent on the real Internet. */
function timeScaleOf(rt: AgentRuntime): number {
  return rt.config.world?.timeScale.scale ?? 1
}

function policyOf(rt: AgentRuntime): TickPolicy {
  const windows = leaseWindows(rt.config, timeScaleOf(rt))
  return {
    sweepBeforeMs: windows.sweepBeforeMs,
    stopBuyingBeforeMs: windows.stopBuyingBeforeMs,
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

/** Heir sources with addresses checked against this agent's network (an unusable one is logged when `log` is given). */
function sourcesOf(rt: AgentRuntime, state: LifecycleState, record: AgentRecord, log?: TickDeps['log']) {
  return heirSources(state, record, rt.config.btcGlobal, (address, what) => {
    try {
      validateAddress(address, rt.network)
      return true
    } catch (err) {
      log?.warn('tick.heir_address_invalid', { what, code: errorCode(err) ?? 'error' })
      return false
    }
  })
}

/** The heir (see {@link pickHeir}): every child is probed at once, so dead ones cost one timeout, then the parent. */
async function findHeir(
  rt: AgentRuntime,
  deps: TickDeps,
  state: LifecycleState,
  record: AgentRecord,
): Promise<Heir | undefined> {
  const alive = deps.agentAlive ?? probeAgent
  const { children, parent, btcGlobal } = sourcesOf(rt, state, record, deps.log)
  const candidates = await Promise.all(
    children.map(async (c) => ({
      tree: c.childTree,
      address: childAddress(rt, c.childIndex),
      alive: await alive(c.ip, c.childTree),
    })),
  )
  const parentCandidate =
    parent === undefined
      ? undefined
      : {
          tree: parent.tree,
          address: parent.address,
          alive: await alive(parent.host, parent.tree, parent.statusPort),
        }
  return pickHeir(candidates, parentCandidate, btcGlobal)
}

/** Real ms an install is always given, however close the deadline (an SSH login alone takes a second). */
const MIN_INSTALL_MS = 5_000

/** Real ms until world time `worldMs` (0 when past). */
function realMsUntil(rt: AgentRuntime, worldMs: number): number {
  return Math.max(0, Math.floor((worldMs - rt.clock.nowMs()) / timeScaleOf(rt)))
}

async function runEffect(
  rt: AgentRuntime,
  deps: TickDeps,
  state: LifecycleState,
  record: AgentRecord,
  effect: Exclude<TickEffect, { kind: 'idle' }>,
): Promise<EffectOutcome> {
  if (effect.kind === 'pay-heir') {
    const heir = await findHeir(rt, deps, state, record)
    if (heir === undefined) throw new LifecycleError('LIFECYCLE_CONFIG_INVALID', 'no heir address', {})
    deps.log.info('tick.heir', { heir: heir.who, address: heir.address })
    const purpose = heirPurpose(effect.sweep)
    try {
      const txid = await payOnce(rt, purpose, () => rt.wallet.sendAll({ to: heir.address, purpose }))
      rt.checkpoint('sweep')
      return { kind: 'heir-paid', txid, heir: heir.who }
    } catch (err) {
      const code = errorCode(err)
      if (code === 'WALLET_AMOUNT_BELOW_DUST' || code === 'WALLET_NOTHING_TO_SWEEP')
        return {
          kind: 'heir-skipped',
          reason: err instanceof Error ? err.message : String(err),
          heldSats: effect.amountSats,
        }
      throw err
    }
  }
  const item = state.items.find((i) => i.id === effect.itemId)
  if (item === undefined)
    throw new LifecycleError('LIFECYCLE_STATE_MALFORMED', `no item ${effect.itemId}`, {})
  if (effect.kind === 'buy-vpn' || effect.kind === 'check-vpn')
    return runVpnEffect(rt, deps, state, item, effect.kind)
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
      let journal
      try {
        journal = foldJournal(await rt.journal.readAll())
      } catch (err) {
        // An unreadable journal must not stop the tick: the item fails (coded) and leaves `buying`, so
        // the end-of-lease hand-over, which never reads this journal, comes next. Nothing can be paid
        // meanwhile: every purchase reads the journal first and refuses the same way.
        deps.log.error('tick.purchase_journal_unreadable', { code: errorCode(err) ?? 'error' })
        return {
          kind: 'buy-failed',
          itemId: item.id,
          reason: `${errorCode(err) ?? 'error'}: purchase journal unreadable`,
        }
      }
      const paid = [...journal.values()].find(
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
      let service
      try {
        ;({ state: service } = await readServiceState(rt.purchaseDeps, driver, account))
      } catch (err) {
        // Any shop error (down, changed, junk on a page) is retried with backoff; the item stays.
        const code = errorCode(err) ?? 'LIFECYCLE_SHOP_UNREADABLE'
        deps.log.warn('tick.service_state_failed', { itemId: item.id, code })
        return {
          kind: 'pending',
          itemId: item.id,
          status: `${code}: ${err instanceof Error ? err.message : String(err)}`,
        }
      }
      if (service.kind === 'failed')
        return { kind: 'service-failed', itemId: item.id, status: service.status }
      if (service.kind === 'pending') return { kind: 'pending', itemId: item.id, status: service.status }
      if (effect.kind === 'check-active')
        return {
          kind: 'active',
          itemId: item.id,
          ip: service.ip,
          ...(service.expirationMs === undefined ? {} : { leaseEndMs: service.expirationMs }),
        }
      if (service.rootPassword === undefined)
        return { kind: 'install-failed', itemId: item.id, reason: 'no root password' }
      const handover: ChildHandover = {
        state: { provider: item.provider, option: item.option },
        purchase:
          item.txid === null
            ? null
            : {
                txid: item.txid,
                provider: item.provider,
                option: item.option,
                priceSats: item.priceSats.toString(),
                boughtAtS: Math.floor(item.sinceMs / 1000),
              },
        ...(item.leaseEndMs === null ? {} : { leaseEndS: Math.floor(item.leaseEndMs / 1000) }),
        parentAddress: async () => (await rt.wallet.receiveAddress()).address,
      }
      // An install must not run into the sweep: it stops there, and a later tick resumes it once the
      // heir is paid; inside the sweep window it may run to the lease end.
      const sweepAtMs = state.expirationMs - policyOf(rt).sweepBeforeMs
      const nowMs = rt.clock.nowMs()
      const until =
        nowMs < sweepAtMs ? sweepAtMs : nowMs < state.expirationMs ? state.expirationMs : undefined
      const signal =
        until === undefined
          ? undefined
          : AbortSignal.timeout(Math.max(MIN_INSTALL_MS, realMsUntil(rt, until)))
      const vpnArgs = await childVpnArgs(rt, deps, item, service.ip)
      try {
        const report = await runCreateChild(
          { clock: deps.realClock, rng: deps.rng, log: deps.log, env: deps.env },
          rt.home,
          parseCreateChildArgs(['-i', service.ip, '-p', service.rootPassword, ...vpnArgs]),
          { handover, ...(signal === undefined ? {} : { signal }) },
        )
        rt.checkpoint('install')
        return { kind: 'installed', itemId: item.id, childTree: report.tree, childIndex: report.index }
      } catch (err) {
        const withoutVpn = vpnInstallFailure(item, vpnArgs, err)
        if (withoutVpn !== undefined) return withoutVpn
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
      const purpose = dowryPurpose(item)
      const to = childAddress(rt, item.childIndex)
      const txid = await payOnce(rt, purpose, () =>
        rt.wallet.send({ to, amountSats: effect.amountSats, purpose }),
      )
      rt.checkpoint('dowry')
      return { kind: 'dowry-paid', itemId: item.id, txid }
    }
    default: {
      const never: never = effect
      return never
    }
  }
}

/** Runs `pay` unless the wallet's journal already holds a payment with `purpose` (a crash after the broadcast pays once). */
async function payOnce(
  rt: AgentRuntime,
  purpose: string,
  pay: () => Promise<{ readonly txid: string }>,
): Promise<string> {
  await rt.wallet.reconcile()
  const done = rt.wallet.history().payments.find((p) => p.purpose === purpose && p.state !== 'failed')
  if (done !== undefined) return done.txid
  return (await pay()).txid
}

/**
 * One check tick (AGENT.md §3.3) for the agent in `home`: takes the tick lock, loads the state,
 * then decides and runs effects until the core is idle (see {@link runTickWith}).
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
    return await runTickWith(deps, rt, store, record)
  } finally {
    store?.close()
    rt?.close()
    await release()
  }
}

/**
 * The tick over an opened runtime and state store (the caller holds the tick lock): decides and runs
 * effects until the core is idle, saving the state before each effect (the intent) and after it (the
 * outcome).
 */
export async function runTickWith(
  deps: TickDeps,
  rt: AgentRuntime,
  store: LifecycleStore,
  record: AgentRecord,
): Promise<TickReport> {
  const home = rt.home
  let state = store.load() ?? initialLifecycle(rt.clock.nowMs(), rt.config.leaseMs, record.leaseEndMs)
  const policy = policyOf(rt)
  const effects: TickEffect['kind'][] = []
  let idle: string | null = null
  await rt.wallet.reconcile()
  // A tick killed after a dowry or heir payment and before saving its outcome: record it now.
  for (const outcome of unrecordedPayments(
    state,
    rt.wallet
      .history()
      .payments.map((p) => ({ purpose: p.purpose, txid: p.txid, failed: p.state === 'failed' })),
  )) {
    deps.log.info('tick.payment_adopted', { kind: outcome.kind, txid: outcome.txid })
    // The same step as a payment made in this tick: paid, not yet saved.
    rt.checkpoint(outcome.kind === 'heir-paid' ? 'sweep' : 'dowry')
    state = applyOutcome(state, outcome, rt.clock.nowMs(), policy)
    store.save(state)
  }
  for (let n = 0; n < MAX_EFFECTS_PER_TICK; n++) {
    const balance = await rt.wallet.balance()
    if (n === 0) store.recordMetric(rt.clock.nowMs(), balance.spendableSats)
    const base = {
      nowMs: rt.clock.nowMs(),
      spendableSats: balance.spendableSats,
      hasHeir: anyHeir(sourcesOf(rt, state, record)),
    }
    let step = decideTick(state, { ...base, chosen: undefined }, policy)
    if (step.effect.kind === 'idle' && step.effect.reason === 'NO_OFFER') {
      step = decideTick(state, { ...base, chosen: await chooseNext(rt, deps, state, record) }, policy)
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
    const outcome = await runEffect(rt, deps, state, record, effect)
    state = applyOutcome(state, outcome, rt.clock.nowMs(), policy)
    store.save(state)
    if (outcome.kind === 'active') rt.checkpoint('server-active')
    if (outcome.kind === 'bought' || outcome.kind === 'buy-failed') {
      const item = state.items.find((i) => i.id === outcome.itemId)
      if (item !== undefined) await learn(rt, state, record, item, outcome.kind === 'bought')
    }
    deps.log.info('tick.outcome', { kind: outcome.kind })
  }
  const after = await rt.wallet.balance()
  return {
    ran: true,
    effects,
    idle,
    state,
    status: lifecycleStatusOf(state, after.spendableSats, rt.clock.nowMs(), idle, policy, {
      self: record.selfState ?? null,
      qtable: (await readJsonFile(join(home, QTABLE_FILE))) ?? null,
      genome: (await readJsonFile(join(home, GENOME_FILE))) ?? null,
    }),
  }
}
