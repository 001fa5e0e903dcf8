import { DollyError } from '@dolly/base'

/** Codes of the genesis step. */
export type GenesisErrorCode = 'WORLD_GENESIS_FAILED' | 'WORLD_GENESIS_INVALID'

/** Errors of the genesis step (`dolly world genesis`). */
export class GenesisError extends DollyError<GenesisErrorCode> {}
