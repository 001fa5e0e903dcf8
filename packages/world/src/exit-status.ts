import type { ExitStatusMap } from '@dolly/base'
import { WORLD_EXIT_STATUS } from './errors.ts'
import { GENESIS_EXIT_STATUS } from './genesis/errors.ts'
import { HOSTS_EXIT_STATUS } from './hosts/errors.ts'
import { PROVIDER_EXIT_STATUS } from './providers/errors.ts'
import { RELEASE_EXIT_STATUS } from './release/errors.ts'
import { VPN_ENDPOINT_EXIT_STATUS } from './vpn-endpoint/errors.ts'

/** Exit status for every code of `@dolly/world` (one map per area's `errors.ts`, merged). */
export const DOLLY_WORLD_EXIT_STATUS: ExitStatusMap = Object.freeze({
  ...WORLD_EXIT_STATUS,
  ...GENESIS_EXIT_STATUS,
  ...HOSTS_EXIT_STATUS,
  ...PROVIDER_EXIT_STATUS,
  ...RELEASE_EXIT_STATUS,
  ...VPN_ENDPOINT_EXIT_STATUS,
})
