/**
 * The child's VPN (AGENT.md §3.4 steps 3 and 9, §3.5, §9) in the tick's shell: pricing the first
 * option of `vpn.host` with an offer whose provider supports TUN/TAP, buying it through cloudomate's
 * purchase journal right after the server is paid (with the same child account), polling it until
 * its WireGuard configuration is known, and writing `child_<N>_wg.conf` for the install, which ships
 * it as the child's `own_wg.conf`. Every failure here is an outcome, never a throw: the paid server
 * is installed without the VPN (AGENT.md §3.3 step 3).
 */
import { join } from 'node:path'
import { errorCode, writeFileAtomic, type Logger, type Rng } from '@dolly/base'
import {
  expectedSats,
  foldJournal,
  generateIdentity,
  purchase,
  renderWireguardConfig,
  wireguardFromData,
  type DriverContext,
  type VpnDriver,
  type VpsOption,
} from '@dolly/cloudomate'
import { readAgentRecord } from '../../daemon/adapters/agent-home.ts'
import { createChildRecordFiles } from '../../replication/adapters/child-record-files.ts'
import { LifecycleError } from '../errors.ts'
import type { EffectOutcome, LifecycleState, PricedVpn, PurchaseItem } from '../state.ts'
import type { AgentRuntime } from './agent-runtime.ts'

/** What the VPN effects use of the agent's runtime. */
export type VpnRuntime = Pick<
  AgentRuntime,
  'home' | 'config' | 'clock' | 'network' | 'vpnDrivers' | 'journal' | 'accounts' | 'purchaseDeps'
>

/** Ports of the VPN effects. */
export interface VpnEffectDeps {
  readonly rng: Rng
  readonly log: Logger
}

/** Room left for the network fee of the VPN's payment (sats), as for a server (offers.ts). */
const VPN_FEE_RESERVE_SATS = 5_000n
/** Percent a VPN's invoice may exceed its estimate, as a server's. */
const TOLERANCE_PCT = 3
/** The name the child finds its WireGuard config under (AGENT.md §3.5: `child_<N>_*` shipped as `own_*`). */
export const OWN_WG_CONF = 'own_wg.conf'

function contextOf(rt: VpnRuntime, deps: VpnEffectDeps): DriverContext {
  return {
    session: rt.purchaseDeps.newSession(),
    network: rt.network,
    clock: rt.clock,
    rng: deps.rng,
    log: deps.log,
  }
}

function reasonOf(err: unknown): string {
  return `${errorCode(err) ?? 'error'}: ${err instanceof Error ? err.message : String(err)}`
}

/**
 * The VPN to buy with a server of `option` (AGENT.md §3.4 step 3): the first option of `vpn.host`,
 * priced with its gateway and network fee, only when `vpn.host` is set and the plan's provider
 * supports TUN/TAP (the shop's data says so). Undefined when no VPN goes with it; a VPN provider
 * that is unknown or cannot be priced now is logged, and the server is bought without one.
 */
export async function priceVpn(
  rt: VpnRuntime,
  deps: VpnEffectDeps,
  option: VpsOption | undefined,
): Promise<PricedVpn | undefined> {
  const host = rt.config.vpnHost
  if (host === undefined || option === undefined || !option.tunTap) return undefined
  const driver = rt.vpnDrivers.get(host)
  if (driver === undefined) {
    deps.log.warn('tick.vpn_provider_unknown', { host })
    return undefined
  }
  try {
    const [first] = await driver.options(contextOf(rt, deps))
    if (first === undefined) {
      deps.log.warn('tick.vpn_unpriced', { host, code: 'NO_OPTION' })
      return undefined
    }
    const rate = await rt.purchaseDeps.rates.rate(first.price.currency)
    return {
      provider: driver.name,
      option: first.name,
      priceSats: expectedSats(first, rate.satsPerUnit, driver.gatewayFeePercent) + VPN_FEE_RESERVE_SATS,
    }
  } catch (err) {
    deps.log.warn('tick.vpn_unpriced', { host, code: errorCode(err) ?? 'error' })
    return undefined
  }
}

/**
 * Runs `buy-vpn` or `check-vpn` for `item` (whose server is paid).
 *
 * @throws LifecycleError LIFECYCLE_STATE_MALFORMED when the item has no VPN
 */
export async function runVpnEffect(
  rt: VpnRuntime,
  deps: VpnEffectDeps,
  state: LifecycleState,
  item: PurchaseItem,
  kind: 'buy-vpn' | 'check-vpn',
): Promise<EffectOutcome> {
  const vpn = item.vpn
  if (vpn === undefined)
    throw new LifecycleError('LIFECYCLE_STATE_MALFORMED', `item ${item.id} has no VPN`, {})
  const failed = (reason: string): EffectOutcome => {
    deps.log.error('tick.vpn_failed', { itemId: item.id, provider: vpn.provider, reason })
    return { kind: 'vpn-failed', itemId: item.id, reason }
  }
  const driver = rt.vpnDrivers.get(vpn.provider)
  if (driver === undefined) return failed(`no VPN provider ${vpn.provider}`)
  return kind === 'buy-vpn'
    ? buyVpn(rt, deps, state, item, driver, failed)
    : checkVpn(rt, deps, item, driver, failed)
}

async function buyVpn(
  rt: VpnRuntime,
  deps: VpnEffectDeps,
  state: LifecycleState,
  item: PurchaseItem,
  driver: VpnDriver,
  failed: (reason: string) => EffectOutcome,
): Promise<EffectOutcome> {
  const vpn = item.vpn
  if (vpn === undefined) return failed('no VPN')
  // A crash after cloudomate journaled the payment but before our state recorded it: adopt it.
  const known = new Set(state.items.flatMap((i) => [i.purchaseId, i.vpn?.purchaseId]))
  let journal
  try {
    journal = foldJournal(await rt.journal.readAll())
  } catch (err) {
    return failed(`${errorCode(err) ?? 'error'}: purchase journal unreadable`)
  }
  const paid = [...journal.values()].find(
    (r) =>
      r.provider === driver.name &&
      (r.state === 'paid' || r.state === 'active') &&
      !known.has(r.purchaseId) &&
      r.startedAtMs >= vpn.sinceMs &&
      r.txid !== undefined,
  )
  if (paid?.txid !== undefined)
    return { kind: 'vpn-bought', itemId: item.id, purchaseId: paid.purchaseId, txid: paid.txid }
  try {
    const option = (await driver.options(contextOf(rt, deps))).find((o) => o.name === vpn.option)
    if (option === undefined) return failed(`${vpn.provider} no longer sells ${vpn.option}`)
    // The same child account as the server's (AGENT.md §3.4 step 9).
    const account = item.purchaseId === null ? undefined : await rt.accounts.load(item.purchaseId)
    const outcome = await purchase(rt.purchaseDeps, {
      driver,
      option,
      settings: account?.settings ?? generateIdentity(deps.rng),
      policy: { tolerancePct: TOLERANCE_PCT, maxSats: vpn.priceSats },
    })
    if (outcome.kind !== 'paid') return failed(outcome.kind)
    deps.log.info('tick.vpn_paid', { itemId: item.id, provider: vpn.provider, txid: outcome.txid })
    return { kind: 'vpn-bought', itemId: item.id, purchaseId: outcome.purchaseId, txid: outcome.txid }
  } catch (err) {
    return failed(reasonOf(err))
  }
}

/**
 * One activation poll (cloudomate's `activateVpn` without its wait): once the account has time, a
 * WireGuard key is registered and kept with the purchase account, and the journal says `active`. A
 * configuration already kept is not registered again.
 */
async function checkVpn(
  rt: VpnRuntime,
  deps: VpnEffectDeps,
  item: PurchaseItem,
  driver: VpnDriver,
  failed: (reason: string) => EffectOutcome,
): Promise<EffectOutcome> {
  const purchaseId = item.vpn?.purchaseId ?? null
  if (purchaseId === null) return failed('the VPN was not paid')
  const account = await rt.accounts.load(purchaseId)
  if (account === undefined) return failed(`VPN purchase account ${purchaseId} missing`)
  if (wireguardFromData(account.data) !== undefined) return { kind: 'vpn-ready', itemId: item.id }
  try {
    const service = await driver.state(contextOf(rt, deps), account)
    if (service.kind === 'failed') return failed(service.status)
    if (service.kind === 'pending') return { kind: 'vpn-pending', itemId: item.id, status: service.status }
    const { data } = await driver.configuration(contextOf(rt, deps), account)
    await rt.accounts.save({ ...account, data: { ...account.data, ...data } })
    await rt.journal.append({ purchaseId, state: 'active', atMs: rt.clock.nowMs() })
    deps.log.info('tick.vpn_ready', { itemId: item.id, provider: driver.name })
    return { kind: 'vpn-ready', itemId: item.id }
  } catch (err) {
    // A provider that does not answer now is asked again (the polls are bounded by the core).
    deps.log.warn('tick.vpn_state_failed', { itemId: item.id, code: errorCode(err) ?? 'error' })
    return { kind: 'vpn-pending', itemId: item.id, status: reasonOf(err) }
  }
}

/**
 * The `create-child` arguments that hand the child its VPN (AGENT.md §3.5 step 8): writes
 * `HOME/child_<N>_wg.conf` (mode 0600) from the VPN's purchase account and returns
 * `-conf child_<N>_wg.conf own_wg.conf`; empty when the item has no ready VPN. N is the index
 * create-child gives the server: the one it recorded for this IP, else the parent's next.
 */
export async function childVpnArgs(
  rt: VpnRuntime,
  deps: VpnEffectDeps,
  item: PurchaseItem,
  ip: string,
): Promise<readonly string[]> {
  if (item.vpn?.stage !== 'ready' || item.vpn.purchaseId === null) return []
  const account = await rt.accounts.load(item.vpn.purchaseId)
  const wg = account === undefined ? undefined : wireguardFromData(account.data)
  if (wg === undefined) {
    deps.log.error('tick.vpn_config_missing', { itemId: item.id, purchaseId: item.vpn.purchaseId })
    return []
  }
  const index =
    (await createChildRecordFiles(rt.home).load(ip))?.index ?? (await readAgentRecord(rt.home))?.childIndex
  if (index === undefined) return []
  const path = join(rt.home, `child_${index}_wg.conf`)
  await writeFileAtomic(path, renderWireguardConfig(wg), { mode: 0o600, dirMode: 0o700 })
  return ['-conf', path, OWN_WG_CONF]
}

/**
 * When an install that carried the VPN failed at bringing it up, the VPN is given up (logged) so the
 * next attempt installs the paid server without it; undefined for any other failure.
 */
export function vpnInstallFailure(
  item: PurchaseItem,
  args: readonly string[],
  err: unknown,
): EffectOutcome | undefined {
  if (args.length === 0 || errorCode(err) !== 'REPLICATION_VPN_FAILED') return undefined
  return { kind: 'vpn-failed', itemId: item.id, reason: reasonOf(err) }
}
