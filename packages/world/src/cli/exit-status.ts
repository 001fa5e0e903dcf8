import { BASE_EXIT_STATUS, type ExitStatusMap } from '@dolly/base'
import { PLEBNET_EXIT_STATUS } from '@dolly/plebnet'
import { VISION_EXIT_STATUS } from '@dolly/vision'
import { WALLET_EXIT_STATUS } from '@dolly/wallet'
import { DOLLY_WORLD_EXIT_STATUS } from '../exit-status.ts'

/** Exit status of the `dolly` CLI for every code it can end on: its own and those of the packages it uses. */
export const DOLLY_CLI_EXIT_STATUS: ExitStatusMap = Object.freeze({
  ...BASE_EXIT_STATUS,
  ...WALLET_EXIT_STATUS,
  ...PLEBNET_EXIT_STATUS,
  ...VISION_EXIT_STATUS,
  ...DOLLY_WORLD_EXIT_STATUS,
})
