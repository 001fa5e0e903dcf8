/**
 * Who gets an agent's remaining coins at the end of its lease (AGENT.md §3.6, issue 8). Pure: the
 * shell probes the children and validates the addresses.
 */

/** A child as the heir search sees it (newest last). */
export interface HeirCandidate {
  readonly tree: string
  readonly address: string
  /** Whether it answered on its status API just now and is not handing over itself. */
  readonly alive: boolean
}

/** The chosen heir: who (for the event) and where the coins go. */
export interface Heir {
  readonly who: string
  readonly address: string
}

/**
 * The newest living child; else the parent if it answers (its address from the hand-over); else
 * `btc_global`; else the newest child or the parent even if silent (their keys derive from the
 * family's, so an ancestor can still move the coins); else none: the coins stay where they are.
 */
export function pickHeir(
  children: readonly HeirCandidate[],
  parent: HeirCandidate | undefined,
  btcGlobal: string | undefined,
): Heir | undefined {
  const living = children.filter((c) => c.alive).at(-1)
  if (living !== undefined) return { who: living.tree, address: living.address }
  const toParent = (p: HeirCandidate): Heir => ({ who: `parent ${p.tree}`, address: p.address })
  if (parent?.alive === true) return toParent(parent)
  if (btcGlobal !== undefined) return { who: 'btc_global', address: btcGlobal }
  const newest = children.at(-1)
  if (newest !== undefined) return { who: newest.tree, address: newest.address }
  return parent === undefined ? undefined : toParent(parent)
}
