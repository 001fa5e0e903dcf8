import { errorCode } from '@dolly/base'
import {
  expectedSats,
  foldJournal,
  generateIdentity,
  purchase,
  renderWireguardConfig,
  wireguardFromData,
  type VpnDriver,
  type VpsOption,
} from '@dolly/cloudomate'
import { LifecycleError } from '../../lifecycle/errors.ts'
import type { EffectOutcome, LifecycleState, PricedVpn, PurchaseItem } from '../../lifecycle/state.ts'
import type { AgentOptions, AgentPorts } from '../ports.ts'
import { shopContext } from './shop-context.ts'

/**
 * The child's VPN (AGENT.md §3.4 steps 3 and 9, §3.5, §9) over the agent's ports: pricing the first
 * option of `vpn.host` with an offer whose provider supports TUN/TAP, buying it through cloudomate's
 * purchase journal right after the server is paid (with the same child account), polling it until
 * its WireGuard configuration is known, and handing that configuration to the installer, which ships
 * it as the child's `own_wg.conf`. Every failure here is an outcome, never a throw: the paid server
 * is installed without the VPN (AGENT.md §3.3 step 3).
 */

/** What the VPN effects use of the agent's ports. */
export type VpnPorts = Pick<AgentPorts, 'clock' | 'network' | 'rng' | 'log' | 'providers' | 'wallet'> & {
  readonly store: Pick<AgentPorts['store'], 'journal' | 'accounts'>
}

/** Room left for the network fee of the VPN's payment (sats), as for a server (offers.ts). */
const VPN_FEE_RESERVE_SATS = 5_000n
/** Percent a VPN's invoice may exceed its estimate, as a server's. */
const TOLERANCE_PCT = 3

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
  ports: Omit<VpnPorts, 'store' | 'wallet'>,
  options: Pick<AgentOptions, 'vpnHost'>,
  option: VpsOption | undefined,
): Promise<PricedVpn | undefined> {
  const host = options.vpnHost
  if (host === undefined || option === undefined || !option.tunTap) return undefined
  const driver = ports.providers.vpnDrivers.get(host)
  if (driver === undefined) {
    ports.log.warn('tick.vpn_provider_unknown', { host })
    return undefined
  }
  try {
    const [first] = await driver.options(shopContext(ports))
    if (first === undefined) {
      ports.log.warn('tick.vpn_unpriced', { host, code: 'NO_OPTION' })
      return undefined
    }
    const rate = await ports.providers.purchase.rates.rate(first.price.currency)
    return {
      provider: driver.name,
      option: first.name,
      priceSats: expectedSats(first, rate.satsPerUnit, driver.gatewayFeePercent) + VPN_FEE_RESERVE_SATS,
    }
  } catch (err) {
    ports.log.warn('tick.vpn_unpriced', { host, code: errorCode(err) ?? 'error' })
    return undefined
  }
}

/**
 * Runs `buy-vpn` or `check-vpn` for `item` (whose server is paid).
 *
 * @throws LifecycleError LIFECYCLE_STATE_MALFORMED when the item has no VPN
 */
export async function runVpnEffect(
  ports: VpnPorts,
  state: LifecycleState,
  item: PurchaseItem,
  kind: 'buy-vpn' | 'check-vpn',
): Promise<EffectOutcome> {
  const vpn = item.vpn
  if (vpn === undefined)
    throw new LifecycleError('LIFECYCLE_STATE_MALFORMED', `item ${item.id} has no VPN`, {})
  const failed = (reason: string): EffectOutcome => {
    ports.log.error('tick.vpn_failed', { itemId: item.id, provider: vpn.provider, reason })
    return { kind: 'vpn-failed', itemId: item.id, reason }
  }
  const driver = ports.providers.vpnDrivers.get(vpn.provider)
  if (driver === undefined) return failed(`no VPN provider ${vpn.provider}`)
  return kind === 'buy-vpn'
    ? buyVpn(ports, state, item, driver, failed)
    : checkVpn(ports, item, driver, failed)
}

async function buyVpn(
  ports: VpnPorts,
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
    journal = foldJournal(await ports.store.journal.readAll())
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
    // The server's payment just reserved the wallet's coins; its change is spendable once mined.
    const balance = await ports.wallet.balance()
    if (balance.spendableSats < vpn.priceSats && balance.totalSats >= vpn.priceSats) {
      ports.log.info('tick.vpn_unfunded', { itemId: item.id, spendableSats: balance.spendableSats })
      return {
        kind: 'vpn-unfunded',
        itemId: item.id,
        spendableSats: balance.spendableSats,
        heldSats: balance.totalSats,
      }
    }
    const option = (await driver.options(shopContext(ports))).find((o) => o.name === vpn.option)
    if (option === undefined) return failed(`${vpn.provider} no longer sells ${vpn.option}`)
    // The same child account as the server's (AGENT.md §3.4 step 9).
    const account = item.purchaseId === null ? undefined : await ports.store.accounts.load(item.purchaseId)
    const outcome = await purchase(ports.providers.purchase, {
      driver,
      option,
      settings: account?.settings ?? generateIdentity(ports.rng),
      policy: { tolerancePct: TOLERANCE_PCT, maxSats: vpn.priceSats },
    })
    if (outcome.kind !== 'paid') return failed(outcome.kind)
    ports.log.info('tick.vpn_paid', { itemId: item.id, provider: vpn.provider, txid: outcome.txid })
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
  ports: VpnPorts,
  item: PurchaseItem,
  driver: VpnDriver,
  failed: (reason: string) => EffectOutcome,
): Promise<EffectOutcome> {
  const purchaseId = item.vpn?.purchaseId ?? null
  if (purchaseId === null) return failed('the VPN was not paid')
  const account = await ports.store.accounts.load(purchaseId)
  if (account === undefined) return failed(`VPN purchase account ${purchaseId} missing`)
  if (wireguardFromData(account.data) !== undefined) return { kind: 'vpn-ready', itemId: item.id }
  try {
    const service = await driver.state(shopContext(ports), account)
    if (service.kind === 'failed') return failed(service.status)
    if (service.kind === 'pending') return { kind: 'vpn-pending', itemId: item.id, status: service.status }
    const { data } = await driver.configuration(shopContext(ports), account)
    await ports.store.accounts.save({ ...account, data: { ...account.data, ...data } })
    await ports.store.journal.append({ purchaseId, state: 'active', atMs: ports.clock.nowMs() })
    ports.log.info('tick.vpn_ready', { itemId: item.id, provider: driver.name })
    return { kind: 'vpn-ready', itemId: item.id }
  } catch (err) {
    // A provider that does not answer now is asked again (the polls are bounded by the core).
    ports.log.warn('tick.vpn_state_failed', { itemId: item.id, code: errorCode(err) ?? 'error' })
    return { kind: 'vpn-pending', itemId: item.id, status: reasonOf(err) }
  }
}

/**
 * The WireGuard configuration (wg-quick text) the child brings up as its `own_wg.conf` (AGENT.md
 * §3.5 step 8), from the VPN's purchase account; undefined when the item has no ready VPN.
 */
export async function childWireguard(ports: VpnPorts, item: PurchaseItem): Promise<string | undefined> {
  if (item.vpn?.stage !== 'ready' || item.vpn.purchaseId === null) return undefined
  const account = await ports.store.accounts.load(item.vpn.purchaseId)
  const wg = account === undefined ? undefined : wireguardFromData(account.data)
  if (wg === undefined) {
    ports.log.error('tick.vpn_config_missing', { itemId: item.id, purchaseId: item.vpn.purchaseId })
    return undefined
  }
  return renderWireguardConfig(wg)
}

/**
 * When an install that carried the VPN failed at bringing it up, the VPN is given up (logged) so the
 * next attempt installs the paid server without it; undefined for any other failure.
 */
export function vpnInstallFailure(
  item: PurchaseItem,
  carriedVpn: boolean,
  err: unknown,
): EffectOutcome | undefined {
  if (!carriedVpn || errorCode(err) !== 'REPLICATION_VPN_FAILED') return undefined
  return { kind: 'vpn-failed', itemId: item.id, reason: reasonOf(err) }
}
