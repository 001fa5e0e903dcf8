/**
 * Waiting until a paid purchase is an active server with an IP (CLOUDOMATE.md §4 step 8, §15.8), and
 * reading its configuration afterwards. Transient HTTP failures count as "not yet"; a cancelled or
 * terminated service ends the wait.
 */
import { errorCode, type AbortOptions, type Clock, type Logger, type Rng } from '@dolly/base'
import type { NetworkParams } from '@dolly/wallet'
import { CloudomateError } from '../errors.ts'
import type { HttpSession } from '../http/session.ts'
import type { VpsConfiguration } from '../model.ts'
import type { DriverContext, PurchaseAccount, ServiceState, VpsDriver } from '../providers/driver.ts'
import { withData, type AccountStore } from './accounts.ts'
import type { JournalStore } from './journal.ts'
import { waitFor, type WaitSchedule } from './wait.ts'

/** Ports of the activation wait. */
export interface ActivateDeps {
  readonly journal: JournalStore
  readonly accounts: AccountStore
  readonly clock: Clock
  readonly rng: Rng
  readonly log: Logger
  readonly network: NetworkParams
  readonly newSession: () => HttpSession
}

/** Reads the state once with a fresh session, saving any driver data it reports. */
export async function readServiceState(
  deps: ActivateDeps,
  driver: VpsDriver,
  account: PurchaseAccount,
  options: AbortOptions = {},
): Promise<{ state: ServiceState; account: PurchaseAccount }> {
  const ctx: DriverContext = {
    session: deps.newSession(),
    network: deps.network,
    clock: deps.clock,
    rng: deps.rng,
    log: deps.log,
  }
  const state = await driver.state(ctx, account, options)
  const data = state.kind === 'failed' ? undefined : state.data
  const next = withData(account, data)
  if (next !== account) await deps.accounts.save(next)
  return { state, account: next }
}

/**
 * Polls until the service is active; journals `active` or `failed`.
 *
 * @throws CloudomateError CLOUDOMATE_WAIT_TIMEOUT (exit 4), CLOUDOMATE_SHOP_ERROR when the shop
 *   cancelled or terminated the service
 */
export async function waitUntilActive(
  deps: ActivateDeps,
  driver: VpsDriver,
  account: PurchaseAccount,
  schedule: WaitSchedule,
  options: AbortOptions & { onPoll?: (attempt: number, elapsedMs: number, status: string) => void } = {},
): Promise<VpsConfiguration> {
  let current = account
  let lastStatus = 'unknown'
  const write = (state: 'active' | 'failed', reason?: string) =>
    deps.journal.append({
      purchaseId: account.purchaseId,
      state,
      atMs: deps.clock.nowMs(),
      ...(reason === undefined ? {} : { reason }),
    })
  try {
    const active = await waitFor(
      deps,
      `${driver.name} purchase ${account.purchaseId} to become active`,
      async () => {
        let read
        try {
          read = await readServiceState(deps, driver, current, options)
        } catch (err) {
          if (errorCode(err) === 'CLOUDOMATE_HTTP_FAILED') {
            lastStatus = 'unreachable'
            return undefined
          }
          throw err
        }
        current = read.account
        const state = read.state
        if (state.kind === 'failed') {
          throw new CloudomateError(
            'CLOUDOMATE_SHOP_ERROR',
            `${driver.name} ${state.status} the service of purchase ${account.purchaseId}`,
            {
              provider: driver.name,
              status: state.status,
            },
          )
        }
        lastStatus = state.kind === 'pending' ? state.status : 'active'
        return state.kind === 'active' ? state : undefined
      },
      schedule,
      {
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        onPoll: (attempt, elapsed) => options.onPoll?.(attempt, elapsed, lastStatus),
      },
    )
    const config: VpsConfiguration = {
      ip: active.ip,
      ...(active.rootPassword === undefined ? {} : { rootPassword: active.rootPassword }),
      ...(active.sshKeyOnly === undefined ? {} : { sshKeyOnly: active.sshKeyOnly }),
    }
    await deps.accounts.save(
      withData(current, {
        ip: active.ip,
        ...(active.rootPassword === undefined ? {} : { rootPassword: active.rootPassword }),
      }),
    )
    await write('active')
    deps.log.info('purchase.active', { provider: driver.name, purchaseId: account.purchaseId, ip: active.ip })
    return config
  } catch (err) {
    const code = errorCode(err)
    // An aborted wait (Ctrl-C) is not a failed purchase: the next `status` or `purchase` goes on.
    if (code === 'CLOUDOMATE_WAIT_TIMEOUT' || code === 'CLOUDOMATE_SHOP_ERROR') await write('failed', code)
    throw err
  }
}
