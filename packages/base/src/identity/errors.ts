import { DollyError } from '../errors.ts'
import { EXIT, type ExitStatusMap } from '../exit-status.ts'

/** Codes of the identity module. */
export type IdentityErrorCode = 'IDENTITY_KEY_MALFORMED' | 'IDENTITY_KEY_EXPOSED'

/** Exit status of a CLI that ends on each code (STYLE.md §1.7; 2 only for bad usage or input): every code is listed, so a new one needs a decision. */
export const IDENTITY_EXIT_STATUS: ExitStatusMap<IdentityErrorCode> = Object.freeze({
  IDENTITY_KEY_MALFORMED: EXIT.FAILURE,
  IDENTITY_KEY_EXPOSED: EXIT.FAILURE,
})

/** Errors of the identity module. */
export class IdentityError extends DollyError<IdentityErrorCode> {}
