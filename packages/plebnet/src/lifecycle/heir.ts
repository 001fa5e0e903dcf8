/**
 * Who gets an agent's remaining coins at the end of its lease (AGENT.md §3.6, issue 8). Pure: the
 * shell probes the children and validates the addresses.
 */
import type { Contact } from '../daemon/agent-record.ts'
import { childrenOf, type LifecycleState, type PurchaseItem } from './state.ts'

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

/** An installed child the heir search can reach: its index (for its address) and its host. */
export type ReachableChild = PurchaseItem & {
  readonly childIndex: number
  readonly ip: string
  readonly childTree: string
}

/** Everyone who could inherit, before anyone is probed. */
export interface HeirSources {
  readonly children: readonly ReachableChild[]
  readonly parent: (Contact & { readonly address: string }) | undefined
  readonly btcGlobal: string | undefined
}

/**
 * Installed children, the parent (only with a usable address) and `btc_global` (only if usable).
 * `usable` checks an address against the agent's network; the same sources decide whether a
 * sweep can start and whom it pays, so a sweep is never decided with nobody to pay.
 */
export function heirSources(
  state: LifecycleState,
  family: { readonly parent: Contact | null; readonly parentAddress?: string | undefined },
  btcGlobal: string | undefined,
  usable: (address: string, what: string) => boolean,
): HeirSources {
  const ok = (address: string | undefined, what: string): string | undefined =>
    address !== undefined && usable(address, what) ? address : undefined
  const parentAddress = family.parent === null ? undefined : ok(family.parentAddress, 'parent')
  return {
    children: childrenOf(state).filter(
      (c): c is ReachableChild => c.childIndex !== null && c.ip !== null && c.childTree !== null,
    ),
    parent:
      family.parent === null || parentAddress === undefined
        ? undefined
        : { ...family.parent, address: parentAddress },
    btcGlobal: ok(btcGlobal, 'wallets.btc_global'),
  }
}

/** Whether {@link heirSources} found anyone at all. */
export function anyHeir(sources: HeirSources): boolean {
  return sources.children.length > 0 || sources.parent !== undefined || sources.btcGlobal !== undefined
}
