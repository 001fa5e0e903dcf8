import { clockDeadline, errorCode, type Clock, type ClockDeadline } from '@dolly/base'
import { foldJournal, generateIdentity, purchase, readServiceState } from '@dolly/cloudomate'
import type { AgentRecord } from '../../daemon/agent-record.ts'
import { offerId } from '@dolly/learning'
import { LifecycleError } from '../../lifecycle/errors.ts'
import type { EffectOutcome, LifecycleState, PurchaseItem, TickEffect } from '../../lifecycle/state.ts'
import { dowryPurpose, heirPurpose } from '../../lifecycle/unrecorded-payments.ts'
import type { ChildHandover } from '../../replication/ports.ts'
import type { AgentOptions, AgentPorts } from '../ports.ts'
import { childAddress, findHeir } from './heir.ts'
import type { OfferListing } from './offers.ts'
import { shopContext } from './shop-context.ts'
import { childWireguard, runVpnEffect, vpnInstallFailure } from './vpn.ts'

/**
 * The effects the lifecycle core decides (lifecycle/state.ts `TickEffect`: buy, check-active,
 * install, dowry, pay-heir), each a function over the agent's ports returning the outcome the core
 * applies. Money moves at most once per purpose: a crash after a broadcast finds it in the wallet's
 * journal (`payOnce`), a crash after a shop payment finds it in cloudomate's (`buy`).
 */

/** A decided effect (not idle). */
export type Effect = Exclude<TickEffect, { kind: 'idle' }>

/** Real ms an install is always given, however close the deadline (an SSH login alone takes a second). */
const MIN_INSTALL_MS = 5_000

/**
 * The install's deadline, `ms` of the agent's clock away; cancelled when the install returns.
 * (`AbortSignal.timeout` cannot be cleared: every install left its timer behind, up to 24.8 days,
 * which a simulated fleet paid for with one live timer and signal per birth.)
 */
export function installDeadline(clock: Clock, ms: number): ClockDeadline {
  return clockDeadline(
    clock,
    ms,
    () => new DOMException(`the install deadline of ${ms} ms passed`, 'TimeoutError'),
  )
}

/** Runs `pay` unless the wallet's journal already holds a payment with `purpose` (a crash after the broadcast pays once). */
export async function payOnce(
  ports: Pick<AgentPorts, 'wallet'>,
  purpose: string,
  pay: () => Promise<{ readonly txid: string }>,
): Promise<string> {
  await ports.wallet.reconcile()
  const done = ports.wallet.history().payments.find((p) => p.purpose === purpose && p.state !== 'failed')
  if (done !== undefined) return done.txid
  return (await pay()).txid
}

/** Sends every coin to the heir at the end of the lease. */
async function payHeir(
  ports: AgentPorts,
  options: AgentOptions,
  state: LifecycleState,
  record: AgentRecord,
  effect: Extract<Effect, { kind: 'pay-heir' }>,
): Promise<EffectOutcome> {
  const heir = await findHeir(ports, options, state, record)
  if (heir === undefined) throw new LifecycleError('LIFECYCLE_CONFIG_INVALID', 'no heir address', {})
  ports.log.info('tick.heir', { heir: heir.who, address: heir.address })
  const purpose = heirPurpose(effect.sweep)
  try {
    const txid = await payOnce(ports, purpose, () => ports.wallet.sendAll({ to: heir.address, purpose }))
    ports.checkpoint('sweep')
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

/** Buys the item's plan, or adopts a purchase cloudomate paid before a crash. */
async function buy(
  ports: AgentPorts,
  state: LifecycleState,
  item: PurchaseItem,
  listing: OfferListing,
): Promise<EffectOutcome> {
  const driver = ports.providers.drivers.get(item.provider)
  if (driver === undefined) throw new LifecycleError('LIFECYCLE_STATE_MALFORMED', 'no driver', {})
  // A crash after cloudomate journaled `paid` but before our state recorded it: adopt that purchase.
  const known = new Set(state.items.map((i) => i.purchaseId))
  let journal
  try {
    journal = foldJournal(await ports.store.journal.readAll())
  } catch (err) {
    // An unreadable journal must not stop the tick: the item fails (coded) and leaves `buying`, so
    // the end-of-lease hand-over, which never reads this journal, comes next. Nothing can be paid
    // meanwhile: every purchase reads the journal first and refuses the same way.
    ports.log.error('tick.purchase_journal_unreadable', { code: errorCode(err) ?? 'error' })
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
  // The shop's plans as they are now, not as the listing last read them: the price paid is today's.
  let plans
  try {
    plans = await driver.options(shopContext(ports))
  } catch (err) {
    ports.log.warn('tick.shop_unreachable', { provider: item.provider, code: errorCode(err) ?? 'error' })
    return { kind: 'buy-failed', itemId: item.id, reason: `${errorCode(err) ?? 'error'}: shop unreachable` }
  }
  listing.keep(item.provider, plans)
  const wanted = offerId(item.provider, item.option)
  const option = plans.find((o) => o.price.currency === 'USD' && offerId(item.provider, o.name) === wanted)
  if (option === undefined)
    return { kind: 'buy-failed', itemId: item.id, reason: 'the plan is no longer listed' }
  try {
    const outcome = await purchase(ports.providers.purchase, {
      driver,
      option,
      settings: generateIdentity(ports.rng),
      policy: { tolerancePct: 3, maxSats: item.priceSats },
    })
    if (outcome.kind !== 'paid') return { kind: 'buy-failed', itemId: item.id, reason: outcome.kind }
    return { kind: 'bought', itemId: item.id, purchaseId: outcome.purchaseId, txid: outcome.txid }
  } catch (err) {
    return { kind: 'buy-failed', itemId: item.id, reason: errorCode(err) ?? String(err) }
  }
}

/** Reads the bought server's state; when active and asked to, installs a child on it. */
async function checkOrInstall(
  ports: AgentPorts,
  options: AgentOptions,
  state: LifecycleState,
  item: PurchaseItem,
  install: boolean,
): Promise<EffectOutcome> {
  const driver = ports.providers.drivers.get(item.provider)
  if (driver === undefined || item.purchaseId === null)
    throw new LifecycleError('LIFECYCLE_STATE_MALFORMED', 'unpaid item', {})
  const account = await ports.store.accounts.load(item.purchaseId)
  if (account === undefined)
    return { kind: 'service-failed', itemId: item.id, status: 'purchase account missing' }
  let service
  try {
    ;({ state: service } = await readServiceState(ports.providers.purchase, driver, account))
  } catch (err) {
    // Any shop error (down, changed, junk on a page) is retried with backoff; the item stays.
    const code = errorCode(err) ?? 'LIFECYCLE_SHOP_UNREADABLE'
    ports.log.warn('tick.service_state_failed', { itemId: item.id, code })
    return {
      kind: 'pending',
      itemId: item.id,
      status: `${code}: ${err instanceof Error ? err.message : String(err)}`,
    }
  }
  if (service.kind === 'failed') return { kind: 'service-failed', itemId: item.id, status: service.status }
  if (service.kind === 'pending') return { kind: 'pending', itemId: item.id, status: service.status }
  if (!install)
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
    parentAddress: async () => (await ports.wallet.receiveAddress()).address,
  }
  // An install must not run into the sweep: it stops there, and a later tick resumes it once the
  // heir is paid; inside the sweep window it may run to the lease end.
  const sweepAtMs = state.expirationMs - options.policy.sweepBeforeMs
  const nowMs = ports.clock.nowMs()
  const until = nowMs < sweepAtMs ? sweepAtMs : nowMs < state.expirationMs ? state.expirationMs : undefined
  const wireguard = await childWireguard(ports, item)
  const deadline =
    until === undefined
      ? undefined
      : installDeadline(
          ports.clock,
          Math.max(MIN_INSTALL_MS * options.timeScale, until - ports.clock.nowMs()),
        )
  try {
    const child = await ports.installer({
      ip: service.ip,
      rootPassword: service.rootPassword,
      handover,
      ...(wireguard === undefined ? {} : { wireguard }),
      ...(deadline === undefined ? {} : { signal: deadline.signal }),
    })
    ports.checkpoint('install')
    return { kind: 'installed', itemId: item.id, childTree: child.tree, childIndex: child.index }
  } catch (err) {
    const withoutVpn = vpnInstallFailure(item, wireguard !== undefined, err)
    if (withoutVpn !== undefined) return withoutVpn
    return {
      kind: 'install-failed',
      itemId: item.id,
      reason: `${errorCode(err) ?? 'error'}: ${err instanceof Error ? err.message : String(err)}`,
    }
  } finally {
    deadline?.cancel()
  }
}

/** Pays the installed child its dowry. */
async function payDowry(
  ports: AgentPorts,
  item: PurchaseItem,
  effect: Extract<Effect, { kind: 'dowry' }>,
): Promise<EffectOutcome> {
  if (item.childIndex === null)
    throw new LifecycleError('LIFECYCLE_STATE_MALFORMED', 'dowry before install', {})
  const purpose = dowryPurpose(item)
  const to = childAddress(ports, item.childIndex)
  let txid: string
  try {
    txid = await payOnce(ports, purpose, () =>
      ports.wallet.send({ to, amountSats: effect.amountSats, purpose }),
    )
  } catch (err) {
    // Refused at coin selection, before anything was journaled or broadcast: spending the parent's
    // many small coins costs more than the dowry (FEE_TOO_HIGH) or more than the fee reserve the
    // dowry leaves (INSUFFICIENT_FUNDS). The tick goes on to its sell step (which brings the coins
    // that make the dowry worth its fee) instead of failing at this step every tick.
    const code = errorCode(err)
    if (code === 'WALLET_FEE_TOO_HIGH' || code === 'WALLET_INSUFFICIENT_FUNDS')
      return {
        kind: 'dowry-deferred',
        itemId: item.id,
        reason: err instanceof Error ? err.message : String(err),
      }
    throw err
  }
  ports.checkpoint('dowry')
  return { kind: 'dowry-paid', itemId: item.id, txid }
}

/** Runs one decided effect and returns its outcome (shop and install errors become outcomes). */
export async function runEffect(
  ports: AgentPorts,
  options: AgentOptions,
  state: LifecycleState,
  record: AgentRecord,
  effect: Effect,
  listing: OfferListing,
): Promise<EffectOutcome> {
  if (effect.kind === 'pay-heir') return payHeir(ports, options, state, record, effect)
  const item = state.items.find((i) => i.id === effect.itemId)
  if (item === undefined)
    throw new LifecycleError('LIFECYCLE_STATE_MALFORMED', `no item ${effect.itemId}`, {})
  if (effect.kind === 'buy-vpn' || effect.kind === 'check-vpn')
    return runVpnEffect(ports, state, item, effect.kind)
  if (effect.kind !== 'dowry' && !ports.providers.drivers.has(item.provider)) {
    return effect.kind === 'buy'
      ? { kind: 'buy-failed', itemId: item.id, reason: `no shop ${item.provider} in [world] providers` }
      : { kind: 'service-failed', itemId: item.id, status: `no shop ${item.provider}` }
  }
  switch (effect.kind) {
    case 'buy':
      return buy(ports, state, item, listing)
    case 'check-active':
      return checkOrInstall(ports, options, state, item, false)
    case 'install':
      return checkOrInstall(ports, options, state, item, true)
    case 'dowry':
      return payDowry(ports, item, effect)
    default: {
      const never: never = effect
      return never
    }
  }
}
