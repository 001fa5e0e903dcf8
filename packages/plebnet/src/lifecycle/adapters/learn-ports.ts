import type { Logger } from '@dolly/base'
import { homeEarnings } from '@dolly/ledger'
import type { LearnPorts } from '@dolly/learning'
import { fileRemoteTables } from '@dolly/overlay'

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

export { investedSatsOf } from '../../agent/effects/offers.ts'
