import type { StrangerAdmission } from '@dolly/market'
import {
  createModel0,
  isKnownPeer,
  model0Accept,
  model0Complete,
  model0Settle,
  MODEL0_DEFAULTS,
  type Model0Params,
  type Model0State,
} from '../../trust/model0.ts'

/**
 * Model 0 (ALGORITHMS.md §7) as the market's {@link StrangerAdmission}, in ms of unpaid Bitcoin
 * exposure: unknown traders share one budget, a trade's work is the time our exposure was
 * outstanding, and a trader that paid `knownAfter` trades in full is known. Held in memory from
 * `t0`; the settlement rebuilds it at start from its trade journal (every closed trade settled once
 * more, with the exposure time the engine gave it), so β, τ and who is known survive restarts.
 */
export function createModel0Admission(
  t0Ms: number,
  params: Model0Params = MODEL0_DEFAULTS,
): StrangerAdmission & { state(): Model0State } {
  let state = createModel0(t0Ms, params)
  return {
    isKnown: (peer) => isKnownPeer(state, peer),
    accept: (peer, nowMs) => model0Accept(state, peer, nowMs),
    settle(peer, ok, exposedMs) {
      state = model0Settle(model0Complete(state, peer, exposedMs), peer, ok)
    },
    state: () => state,
  }
}
