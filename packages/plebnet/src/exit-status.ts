import type { ExitStatusMap } from '@dolly/base'
import { IDENTITY_EXIT_STATUS } from '@dolly/base'
import { DECISION_EXIT_STATUS } from '@dolly/learning/errors'
import { LEDGER_EXIT_STATUS } from '@dolly/ledger/errors'
import { IRC_EXIT_STATUS } from './irc/errors.ts'
import { LIFECYCLE_EXIT_STATUS } from './lifecycle/errors.ts'
import { NETWORK_EXIT_STATUS } from '@dolly/overlay/errors'
import { SETTLEMENT_EXIT_STATUS } from './market/settlement/errors.ts'
import { MARKET_VIEW_EXIT_STATUS } from './market/errors.ts'
import { REPLICATION_EXIT_STATUS } from './replication/errors.ts'

/** Exit status for every code of `@dolly/plebnet` (one map per area's `errors.ts`, merged). */
export const PLEBNET_EXIT_STATUS: ExitStatusMap = Object.freeze({
  ...DECISION_EXIT_STATUS,
  ...IDENTITY_EXIT_STATUS,
  ...IRC_EXIT_STATUS,
  ...LEDGER_EXIT_STATUS,
  ...LIFECYCLE_EXIT_STATUS,
  ...MARKET_VIEW_EXIT_STATUS,
  ...NETWORK_EXIT_STATUS,
  ...REPLICATION_EXIT_STATUS,
  ...SETTLEMENT_EXIT_STATUS,
})
