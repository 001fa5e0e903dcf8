/**
 * The tick core's second half: the state after an effect's outcome (AGENT.md §3.4 steps 9–11, §3.5
 * steps 9–10). Pure.
 */
import {
  BACKOFF_MAX_MS,
  BACKOFF_MIN_MS,
  DOWRY_RETRY_MS,
  replaceItem,
  withEvent,
  type EffectOutcome,
  type ItemStage,
  type LifecycleState,
  type PurchaseItem,
  type TickPolicy,
  type VpnPurchase,
  VPN_MAX_POLLS,
  VPN_FUNDS_RETRY_MS,
  VPN_MAX_WAIT_MS,
  VPN_MISSING_TEXT,
} from './state.ts'

function backoffMs(attempts: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.min(attempts, 20))
}

/** The state after an effect's outcome (at world time `nowMs`). Unknown item ids leave it unchanged. */
export function applyOutcome(
  state: LifecycleState,
  outcome: EffectOutcome,
  nowMs: number,
  policy: TickPolicy,
): LifecycleState {
  if (outcome.kind === 'heir-paid') {
    const first = state.heirSweeps === 0
    return withEvent(
      { ...state, heirPaid: true, heirSweeps: state.heirSweeps + 1, handOverFloorSats: 0n },
      nowMs,
      'heir',
      `${first ? 'remaining' : 'more'} coins sent to the heir${outcome.heir === undefined ? '' : ` ${outcome.heir}`} (${outcome.txid})`,
    )
  }
  if (outcome.kind === 'heir-skipped') {
    return withEvent(
      { ...state, heirPaid: true, handOverFloorSats: outcome.heldSats },
      nowMs,
      'heir-skipped',
      `nothing sent to the heir: ${outcome.reason}`,
    )
  }
  const item = state.items.find((i) => i.id === outcome.itemId)
  if (item === undefined) return state
  const label = `${item.provider}/${item.option}`
  switch (outcome.kind) {
    case 'bought': {
      const failures = { ...state.providerFailures, [item.provider]: 0 }
      const next = replaceItem(
        { ...state, providerFailures: failures },
        {
          ...item,
          stage: 'bought',
          purchaseId: outcome.purchaseId,
          txid: outcome.txid,
          nextTryMs: nowMs,
          sinceMs: nowMs,
        },
      )
      return withEvent(next, nowMs, 'paid', `paid ${label} (${outcome.txid})`)
    }
    case 'buy-failed': {
      const count = (state.providerFailures[item.provider] ?? 0) + 1
      const excluded =
        count >= policy.maxProviderFailures && !state.excludedProviders.includes(item.provider)
          ? [...state.excludedProviders, item.provider]
          : state.excludedProviders
      const next = replaceItem(
        {
          ...state,
          providerFailures: { ...state.providerFailures, [item.provider]: count },
          excludedProviders: excluded,
        },
        // Nothing was bought, so no VPN is bought for it either.
        { ...withoutVpn(item), stage: 'failed' },
      )
      return withEvent(next, nowMs, 'buy-failed', `buying ${label} failed: ${outcome.reason}`)
    }
    case 'pending':
      return replaceItem(state, {
        ...item,
        attempts: item.attempts + 1,
        nextTryMs: nowMs + backoffMs(item.attempts),
      })
    case 'active':
      return withEvent(
        replaceItem(state, {
          ...item,
          ip: outcome.ip,
          leaseEndMs: outcome.leaseEndMs ?? null,
          attempts: 0,
          nextTryMs: nowMs,
        }),
        nowMs,
        'active',
        `${label} is active at ${outcome.ip}`,
      )
    case 'service-failed':
      return withEvent(
        replaceItem(state, { ...item, stage: 'failed' }),
        nowMs,
        'service-failed',
        `${label}: ${outcome.status}`,
      )
    case 'installed':
      return withEvent(
        replaceItem(state, {
          ...item,
          stage: 'installed',
          childTree: outcome.childTree,
          childIndex: outcome.childIndex,
        }),
        nowMs,
        'installed',
        `child ${outcome.childTree} installed on ${item.ip ?? '?'}`,
      )
    case 'install-failed': {
      const attempts = item.attempts + 1
      const stage: ItemStage = attempts >= policy.maxInstallAttempts ? 'failed' : 'bought'
      return withEvent(
        replaceItem(state, { ...item, stage, attempts, nextTryMs: nowMs + backoffMs(attempts) }),
        nowMs,
        'install-failed',
        `installing on ${item.ip ?? '?'} failed (${attempts}): ${outcome.reason}`,
      )
    }
    case 'dowry-deferred': {
      const next = replaceItem(state, { ...item, nextTryMs: nowMs + DOWRY_RETRY_MS })
      // One event per run of deferrals, not one per retry (the event list is short).
      return state.events.at(-1)?.kind === 'dowry-deferred'
        ? next
        : withEvent(
            next,
            nowMs,
            'dowry-deferred',
            `dowry to ${item.childTree ?? '?'} deferred: ${outcome.reason}`,
          )
    }
    case 'dowry-paid':
      return withEvent(
        replaceItem(state, { ...item, stage: 'dowered' }),
        nowMs,
        'dowry',
        `dowry to ${item.childTree ?? '?'} (${outcome.txid})`,
      )
    case 'vpn-bought':
      return withVpnOf(state, item, nowMs, 'vpn-paid', `paid VPN ${vpnLabel(item)} (${outcome.txid})`, {
        stage: 'paid',
        purchaseId: outcome.purchaseId,
        txid: outcome.txid,
      })
    case 'vpn-ready':
      return withVpnOf(state, item, nowMs, 'vpn-ready', `VPN ${vpnLabel(item)} is ready for ${label}`, {
        stage: 'ready',
      })
    case 'vpn-pending': {
      if (item.vpn === undefined) return state
      const polls = item.vpn.polls + 1
      if (polls >= VPN_MAX_POLLS && nowMs - item.vpn.sinceMs >= VPN_MAX_WAIT_MS)
        return vpnFailed(state, item, nowMs, `not active after ${polls} polls: ${outcome.status}`)
      return replaceItem(state, {
        ...item,
        vpn: { ...item.vpn, polls },
        nextTryMs: nowMs + backoffMs(polls - 1),
      })
    }
    case 'vpn-unfunded': {
      if (item.vpn === undefined) return state
      const reason = `${outcome.spendableSats} sats spendable, ${outcome.heldSats} once the server's payment is mined`
      if (nowMs - item.vpn.sinceMs >= VPN_MAX_WAIT_MS)
        return vpnFailed(state, item, nowMs, `WALLET_INSUFFICIENT_FUNDS: ${reason}`)
      return replaceItem(state, { ...item, nextTryMs: nowMs + VPN_FUNDS_RETRY_MS })
    }
    case 'vpn-failed':
      return vpnFailed(state, item, nowMs, outcome.reason)
    default: {
      const never: never = outcome
      return never
    }
  }
}

function withoutVpn(item: PurchaseItem): PurchaseItem {
  const { vpn: _vpn, ...rest } = item
  return rest
}

function vpnLabel(item: PurchaseItem): string {
  return item.vpn === undefined ? '?' : `${item.vpn.provider}/${item.vpn.option}`
}

/** The state with `item`'s VPN changed by `change` and an event; unchanged when the item has no VPN. */
function withVpnOf(
  state: LifecycleState,
  item: PurchaseItem,
  nowMs: number,
  kind: string,
  text: string,
  change: Partial<VpnPurchase>,
): LifecycleState {
  if (item.vpn === undefined) return state
  return withEvent(replaceItem(state, { ...item, vpn: { ...item.vpn, ...change } }), nowMs, kind, text)
}

/** The VPN failed: logged as the error AGENT.md §3.3 step 3 names, and the install goes on now without it. */
function vpnFailed(state: LifecycleState, item: PurchaseItem, nowMs: number, reason: string): LifecycleState {
  if (item.vpn === undefined) return state
  return withEvent(
    replaceItem(state, {
      ...item,
      vpn: { ...item.vpn, stage: 'failed', error: reason.slice(0, 500) },
      nextTryMs: Math.min(item.nextTryMs, nowMs),
    }),
    nowMs,
    'vpn-failed',
    `${VPN_MISSING_TEXT} VPN ${vpnLabel(item)} for ${item.provider}/${item.option}: ${reason.slice(0, 500)}`,
  )
}

/** Marks the in-flight item as installing (journaled before create-child runs). */
export function startInstall(state: LifecycleState, itemId: string): LifecycleState {
  const item = state.items.find((i) => i.id === itemId)
  if (item === undefined || item.stage !== 'bought' || item.ip === null) return state
  return replaceItem(state, { ...item, stage: 'installing' })
}
