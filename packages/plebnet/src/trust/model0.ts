import { DecisionError } from '@dolly/learning'

/**
 * Golem "Model 0" admission of unknown peers (ALGORITHMS.md §7), a reconstruction of Benke, Konka,
 * Gleń, "Model 0", Golem blog 2019 and golemfactory/clay#3746–3747: all unknown peers share one
 * budget of a β share of wall time, β tracking how often strangers paid on time. Generic over the
 * unit of work: circuit seconds, relayed bytes over capacity, or time of unpaid Bitcoin exposure.
 */

/** Parameters. */
export interface Model0Params {
  /** Initial success rate β0 (0.5). */
  readonly beta0: number
  /** EMA weight η of the last outcome (0.1, range 0.1–0.2). */
  readonly eta: number
  /** Floor of β (0.05): strangers are never shut out completely. */
  readonly betaMin: number
  /** Paid interactions after which a peer is known (3). */
  readonly knownAfter: number
}

/** The spec's defaults. */
export const MODEL0_DEFAULTS: Model0Params = Object.freeze({
  beta0: 0.5,
  eta: 0.1,
  betaMin: 0.05,
  knownAfter: 3,
})

/** Admission state, in the caller's unit of time. */
export interface Model0State {
  /** Parameters, fixed at creation. */
  readonly params: Model0Params
  /** Success rate of unknown peers, in [betaMin, 1]. */
  readonly beta: number
  /** Start of the window; shifted forward by downtime. */
  readonly t0: number
  /** Work done for unknown peers since t0. */
  readonly tau: number
  /** Paid interactions per peer. */
  readonly paid: Readonly<Record<string, number>>
}

/**
 * A fresh state starting at `t0`. Throws `PLEBNET_OPTIONS_INVALID` for parameters outside
 * 0 < betaMin ≤ beta0 ≤ 1, 0 < eta < 1, knownAfter a positive integer.
 */
export function createModel0(t0: number, params: Model0Params = MODEL0_DEFAULTS): Model0State {
  const ok =
    params.betaMin > 0 &&
    params.betaMin <= params.beta0 &&
    params.beta0 <= 1 &&
    params.eta > 0 &&
    params.eta < 1 &&
    Number.isSafeInteger(params.knownAfter) &&
    params.knownAfter > 0 &&
    Number.isFinite(t0)
  if (!ok) {
    throw new DecisionError(
      'PLEBNET_OPTIONS_INVALID',
      'Model 0 parameters out of range; see ALGORITHMS.md §7',
      {
        ...params,
        t0,
      },
    )
  }
  return { params, beta: params.beta0, t0, tau: 0, paid: Object.create(null) as Record<string, number> }
}

/** Whether a peer is known: at least `knownAfter` paid interactions. */
export function isKnownPeer(state: Model0State, peer: string): boolean {
  return (Object.hasOwn(state.paid, peer) ? (state.paid[peer] ?? 0) : 0) >= state.params.knownAfter
}

/** `accept(p, now)`: known peers always; unknown ones while `τ ≤ β·(now − t0)`. */
export function model0Accept(state: Model0State, peer: string, now: number): boolean {
  return isKnownPeer(state, peer) || state.tau <= state.beta * (now - state.t0)
}

/** `onComplete(p, Δt)`: work for an unknown peer counts against the budget whatever its outcome. */
export function model0Complete(state: Model0State, peer: string, work: number): Model0State {
  if (isKnownPeer(state, peer) || !(work > 0)) return state
  return { ...state, tau: state.tau + work }
}

/**
 * `onSettled(p, ok)`: an unknown peer's outcome moves β (EMA, clamped to [βmin, 1]); a payment
 * counts towards being known; a known peer that defaults is demoted to unknown (our rule).
 */
export function model0Settle(state: Model0State, peer: string, ok: boolean): Model0State {
  const known = isKnownPeer(state, peer)
  const { eta, betaMin } = state.params
  const beta = known
    ? state.beta
    : Math.min(1, Math.max(betaMin, (1 - eta) * state.beta + eta * (ok ? 1 : 0)))
  const paid = Object.assign(Object.create(null) as Record<string, number>, state.paid)
  const before = Object.hasOwn(state.paid, peer) ? (state.paid[peer] ?? 0) : 0
  if (ok) paid[peer] = before + 1
  else if (known) paid[peer] = 0
  return { ...state, beta, paid }
}

/** `onDowntime(d)`: time the node was offline does not grow the strangers' budget. */
export function model0Downtime(state: Model0State, downtime: number): Model0State {
  if (!(downtime > 0)) return state
  return { ...state, t0: state.t0 + downtime }
}
