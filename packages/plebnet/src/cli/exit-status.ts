import { BASE_EXIT_STATUS, type ExitStatusMap } from '@dolly/base'
// The packages' errors modules alone, not their indexes: every plebnet command loads this map.
import { CLOUDOMATE_EXIT_STATUS } from '@dolly/cloudomate/errors'
import { WALLET_EXIT_STATUS } from '@dolly/wallet/errors'
import { PLEBNET_EXIT_STATUS } from '../exit-status.ts'

/**
 * Exit status of the `plebnet` CLI for every code it can end on: its own and those of the packages it
 * uses (`create-child` keeps its own AGENT.md §8 statuses, replication/errors.ts `createChildExitCode`).
 */
export const PLEBNET_CLI_EXIT_STATUS: ExitStatusMap = Object.freeze({
  ...BASE_EXIT_STATUS,
  ...WALLET_EXIT_STATUS,
  ...CLOUDOMATE_EXIT_STATUS,
  ...PLEBNET_EXIT_STATUS,
})
