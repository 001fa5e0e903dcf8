/** Waiting until a paid VPN account has time, then registering a WireGuard key (CLOUDOMATE.md §14). */
import type { AbortOptions } from '@dolly/base'
import type { VpnConfiguration } from '../model.ts'
import type { PurchaseAccount } from '../providers/driver.ts'
import { withData } from '../purchase/accounts.ts'
import type { ActivateDeps } from '../purchase/activate.ts'
import { waitFor, type WaitSchedule } from '../purchase/wait.ts'
import type { VpnDriver } from './mullvad.ts'

/**
 * Polls until the account is paid, then returns its tunnel configuration; journals `active`.
 *
 * @throws CloudomateError CLOUDOMATE_WAIT_TIMEOUT
 */
export async function activateVpn(
  deps: ActivateDeps,
  driver: VpnDriver,
  account: PurchaseAccount,
  schedule: WaitSchedule,
  options: AbortOptions = {},
): Promise<VpnConfiguration> {
  const ctx = () => ({
    session: deps.newSession(),
    network: deps.network,
    clock: deps.clock,
    rng: deps.rng,
    log: deps.log,
  })
  await waitFor(
    deps,
    `${driver.name} account of purchase ${account.purchaseId} to be paid`,
    async () => {
      const state = await driver.state(ctx(), account, options)
      return state.kind === 'active' ? state : undefined
    },
    schedule,
    options,
  )
  const { config, data } = await driver.configuration(ctx(), account, options)
  await deps.accounts.save(withData(account, data))
  await deps.journal.append({ purchaseId: account.purchaseId, state: 'active', atMs: deps.clock.nowMs() })
  deps.log.info('purchase.vpn_active', { provider: driver.name, purchaseId: account.purchaseId })
  return config
}
