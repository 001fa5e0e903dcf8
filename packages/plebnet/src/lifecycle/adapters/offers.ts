import { createNullLogger, type Clock } from '@dolly/base'
import { createFixedRateSource } from '@dolly/cloudomate'
import { WORLD_SATS_PER_USD } from '../../config/defaults.ts'
import type { LearnPorts, QTable } from '@dolly/learning'
import { homeDocuments } from '../../agent/adapters/file-store.ts'
import { learn as learnOver, loadQTable as loadQTableOf } from '../../agent/effects/offers.ts'
import type { AgentRecord } from '../../daemon/agent-record.ts'
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

/**
 * {@link learnOver} over the files in `rt.home`, with the gossiped tables and earnings of `ports`
 * and the server priced at `satsPerUsd` (the world's fixed rate by default).
 */
export async function learn(
  rt: { readonly home: string; readonly clock: Clock },
  state: LifecycleState,
  record: AgentRecord,
  attempted: { readonly provider: string; readonly option: string },
  success: boolean,
  ports: LearnPorts,
  satsPerUsd: bigint = WORLD_SATS_PER_USD,
): Promise<void> {
  await learnOver(
    {
      clock: rt.clock,
      log: ports.log ?? createNullLogger(),
      overlay: ports.remoteTables,
      ledger: ports.earnings,
      store: homeDocuments(rt.home),
      providers: { purchase: { rates: createFixedRateSource(rt.clock, { USD: satsPerUsd }) } },
    },
    state,
    record,
    attempted,
    success,
    ports.options,
  )
}
