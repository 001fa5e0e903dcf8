/**
 * The check tick's pure core (AGENT.md §3.3–3.6): from a state snapshot and what the shell observed,
 * decide the next effect (`outcome.ts` gives the state after it). The shell journals the state
 * (with the effect's intent) before it runs the effect, so a crash at any point resumes the same
 * item: a purchase is resumed through cloudomate's journal, an install through create-child's
 * per-IP record, a dowry or heir payment through the wallet's purpose journal. Nothing here reads a
 * clock or does I/O.
 */
import {
  replaceItem,
  withEvent,
  type LifecycleState,
  type PurchaseItem,
  type TickInputs,
  type TickPolicy,
  type TickStep,
} from './state.ts'

/** Items whose money is spent or promised and whose child is not installed yet. */
function openItems(state: LifecycleState): readonly PurchaseItem[] {
  return state.items.filter((i) => i.stage !== 'dowered' && i.stage !== 'failed')
}

/**
 * Decides the next effect. Order: a purchase being paid first (resume it, never sweep beside it:
 * AGENT.md §3.6), the VPN of a server just paid, then the end of lease (the heir gets the coins before anything else may take the
 * time), then an install in flight, dowries, installs of bought servers, and last a new purchase.
 * At most one purchase is open at a time, so a child is fully handed over before the next one is
 * bought. After the sweep, servers already paid for are still installed (their children live on)
 * but nothing is bought or given any more.
 */
export function decideTick(state: LifecycleState, inputs: TickInputs, policy: TickPolicy): TickStep {
  const now = inputs.nowMs
  const leaseLeftMs = state.expirationMs - now
  const buying = state.items.find((i) => i.stage === 'buying')
  if (buying !== undefined) return { state, effect: { kind: 'buy', itemId: buying.id } }
  // The VPN is the purchase's second half (AGENT.md §3.4 step 9): bought as soon as its server is
  // paid, its intent journaled first like the server's, and resumed before anything else.
  const vpnDue = state.items.find(
    (i) => i.stage === 'bought' && (i.vpn?.stage === 'planned' || i.vpn?.stage === 'buying'),
  )
  if (vpnDue?.vpn !== undefined) {
    const effect = { kind: 'buy-vpn', itemId: vpnDue.id } as const
    if (vpnDue.vpn.stage === 'buying') {
      // Waiting for the server payment's change to be mined (`vpn-unfunded`): nothing else meanwhile.
      if (vpnDue.nextTryMs > now) return { state, effect: { kind: 'idle', reason: 'WAITING' } }
      return { state, effect }
    }
    const vpn = vpnDue.vpn
    const next = replaceItem(state, { ...vpnDue, vpn: { ...vpn, stage: 'buying', sinceMs: now } })
    return {
      state: withEvent(
        next,
        now,
        'buy-vpn',
        `buying VPN ${vpn.provider}/${vpn.option} for ${vpn.priceSats} sats`,
      ),
      effect,
    }
  }
  const sweeping = leaseLeftMs < policy.sweepBeforeMs
  // The first hand-over, and again whenever coins arrive after it (a child's own hand-over).
  const floorSats =
    state.handOverFloorSats > policy.feeReserveSats ? state.handOverFloorSats : policy.feeReserveSats
  if (sweeping && inputs.hasHeir && inputs.spendableSats > floorSats) {
    return {
      state,
      effect: { kind: 'pay-heir', amountSats: inputs.spendableSats, sweep: state.heirSweeps },
    }
  }
  const installing = state.items.find((i) => i.stage === 'installing')
  if (installing !== undefined) return { state, effect: { kind: 'install', itemId: installing.id } }
  for (const item of openItems(state)) {
    if (item.stage === 'installed') {
      // A deferred dowry (the wallet found its fee too high) waits for its retry time.
      if (sweeping || state.heirPaid || item.nextTryMs > now) continue
      const amountSats = ((inputs.spendableSats - policy.feeReserveSats) * policy.dowryPercent) / 100n // rounds down: never promise more than held
      // Below the dust limit the chain would refuse the payment (and every tick would fail on it, the
      // agent never reaching its sell step): the dowry waits until the parent holds enough.
      if (amountSats <= 0n || amountSats < (inputs.minPaymentSats ?? 0n)) continue
      return { state, effect: { kind: 'dowry', itemId: item.id, amountSats } }
    }
    if (item.nextTryMs > now) continue
    if (item.stage === 'bought') {
      const kind = item.ip === null ? 'check-active' : item.vpn?.stage === 'paid' ? 'check-vpn' : 'install'
      return { state, effect: { kind, itemId: item.id } }
    }
  }
  if (sweeping || state.heirPaid)
    return { state, effect: { kind: 'idle', reason: state.heirPaid ? 'DONE' : 'LEASE_ENDING' } }
  if (openItems(state).some((i) => i.stage !== 'installed'))
    return { state, effect: { kind: 'idle', reason: 'WAITING' } }
  if (leaseLeftMs < policy.stopBuyingBeforeMs)
    return { state, effect: { kind: 'idle', reason: 'LEASE_ENDING' } }
  const offer = inputs.chosen
  if (offer === undefined) return { state, effect: { kind: 'idle', reason: 'NO_OFFER' } }
  // The server and its VPN are paid from what the wallet holds now (§3.4 step 4: stop if btc < vps + vpn).
  // Each price already carries its payment's fee reserve (`offers.ts`, `vpn.ts`): no second one here.
  if (inputs.spendableSats < offer.priceSats + (offer.vpn?.priceSats ?? 0n)) {
    return { state, effect: { kind: 'idle', reason: 'FUNDS_LOW' } }
  }
  const item: PurchaseItem = {
    id: `p${state.items.length}`,
    provider: offer.provider,
    option: offer.option,
    priceSats: offer.priceSats,
    stage: 'buying',
    purchaseId: null,
    txid: null,
    ip: null,
    leaseEndMs: null,
    childTree: null,
    childIndex: null,
    attempts: 0,
    nextTryMs: now,
    sinceMs: now,
    ...(offer.vpn === undefined
      ? {}
      : {
          vpn: {
            ...offer.vpn,
            stage: 'planned',
            purchaseId: null,
            txid: null,
            sinceMs: now,
            polls: 0,
            error: null,
          },
        }),
  }
  const withVpn =
    offer.vpn === undefined ? '' : ` and VPN ${offer.vpn.provider} for ${offer.vpn.priceSats} sats`
  const next = withEvent(
    { ...state, items: [...state.items, item] },
    now,
    'buy',
    `buying ${offer.provider}/${offer.option} for ${offer.priceSats} sats${withVpn}`,
  )
  return { state: next, effect: { kind: 'buy', itemId: item.id } }
}
