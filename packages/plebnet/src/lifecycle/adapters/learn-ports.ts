import type { Logger } from '@dolly/base'
import type { AgentRecord } from '../../daemon/agent-record.ts'
import { homeEarnings } from '../../ledger/adapters/earnings.ts'
import type { LearnPorts } from '../../learning/ports.ts'
import { fileRemoteTables } from '../../network/adapters/remote-tables.ts'

/**
 * The learning ports of an agent opened from its home, for a tick that does not run inside the
 * daemon's overlay (`plebnet check`, and the daemon's `runTick`, which opens the agent from its
 * home): the neighbours' tables from the `remote-qtables.json` the daemon writes, the earnings from
 * the ledger in `state.sqlite`.
 */
export function homeLearnPorts(home: string, log?: Logger): LearnPorts {
  return {
    remoteTables: fileRemoteTables(home),
    earnings: homeEarnings(home),
    ...(log === undefined ? {} : { log }),
  }
}

/**
 * The money invested in the server the agent lives on, in sats: what its parent budgeted
 * (`selfPriceSats`) less the fee reserve the tick adds to every price, i.e. the offer's price in
 * sats with the gateway fee (ALGORITHMS.md §4 `price_sat`); null when bought by hand.
 */
export function investedSatsOf(record: AgentRecord, feeReserveSats: bigint): bigint | null {
  if (record.selfPriceSats === undefined) return null
  const sats = BigInt(record.selfPriceSats) - feeReserveSats
  return sats > 0n ? sats : null
}
