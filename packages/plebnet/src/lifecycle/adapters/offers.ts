import type { Clock } from '@dolly/base'
import { homeDocuments } from '../../agent/adapters/file-store.ts'
import { learn as learnOver, loadQTable as loadQTableOf } from '../../agent/effects/offers.ts'
import type { AgentRecord } from '../../daemon/agent-record.ts'
import type { QTable } from '../../learning/q-table.ts'
import type { LifecycleState } from '../state.ts'

/**
 * The learning effects (agent/effects/offers.ts) over the files of an agent home, for tools that
 * hold a home rather than an agent.
 */

export { FEE_RESERVE_SATS } from '../../agent/effects/offers.ts'

/** The agent's `qtable.json` (an empty table before the first write), extended by `ids`. */
export async function loadQTable(home: string, ids: readonly string[]): Promise<QTable> {
  return loadQTableOf(homeDocuments(home), ids)
}

/** {@link learnOver} over the files in `rt.home` (no overlay, no ledger). */
export async function learn(
  rt: { readonly home: string; readonly clock: Clock },
  state: LifecycleState,
  record: AgentRecord,
  attempted: { readonly provider: string; readonly option: string },
  success: boolean,
): Promise<void> {
  await learnOver({ clock: rt.clock, store: homeDocuments(rt.home) }, state, record, attempted, success)
}
