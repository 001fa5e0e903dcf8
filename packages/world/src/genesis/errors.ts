import { DollyError, EXIT, type ExitStatusMap } from '@dolly/base'

/** Codes of the genesis step. */
export type GenesisErrorCode = 'WORLD_GENESIS_FAILED' | 'WORLD_GENESIS_INVALID'

/** Exit status of a CLI that ends on each code (STYLE.md §1.7; 2 only for bad usage or input): every code is listed, so a new one needs a decision. */
export const GENESIS_EXIT_STATUS: ExitStatusMap<GenesisErrorCode> = Object.freeze({
  WORLD_GENESIS_FAILED: EXIT.FAILURE,
  WORLD_GENESIS_INVALID: EXIT.USAGE,
})

/** Errors of the genesis step (`dolly world genesis`). */
export class GenesisError extends DollyError<GenesisErrorCode> {}
