import type { ExitStatusMap } from '@dolly/base'
import { IDENTITY_EXIT_STATUS } from './identity/errors.ts'
import { DECISION_EXIT_STATUS } from './learning/errors.ts'
import { LEDGER_EXIT_STATUS } from './ledger/errors.ts'
import { LIFECYCLE_EXIT_STATUS } from './lifecycle/errors.ts'
import { NETWORK_EXIT_STATUS } from './network/errors.ts'
import { REPLICATION_EXIT_STATUS } from './replication/errors.ts'

/** Exit status for every code of `@dolly/plebnet` (one map per area's `errors.ts`, merged). */
export const PLEBNET_EXIT_STATUS: ExitStatusMap = Object.freeze({
  ...DECISION_EXIT_STATUS,
  ...IDENTITY_EXIT_STATUS,
  ...LEDGER_EXIT_STATUS,
  ...LIFECYCLE_EXIT_STATUS,
  ...NETWORK_EXIT_STATUS,
  ...REPLICATION_EXIT_STATUS,
})
