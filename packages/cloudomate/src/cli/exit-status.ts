import { BASE_EXIT_STATUS, IDENTITY_EXIT_STATUS, type ExitStatusMap } from '@dolly/base'
import { WALLET_EXIT_STATUS } from '@dolly/wallet'
import { CLOUDOMATE_EXIT_STATUS } from '../errors.ts'

/** Exit status of the `cloudomate` CLI for every code it can end on: its own and those of the packages it uses. */
export const CLOUDOMATE_CLI_EXIT_STATUS: ExitStatusMap = Object.freeze({
  ...BASE_EXIT_STATUS,
  ...IDENTITY_EXIT_STATUS,
  ...WALLET_EXIT_STATUS,
  ...CLOUDOMATE_EXIT_STATUS,
})
