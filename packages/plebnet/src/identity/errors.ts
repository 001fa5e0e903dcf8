import { DollyError } from '@dolly/base'

/** Codes of the identity module. */
export type IdentityErrorCode = 'IDENTITY_KEY_MALFORMED' | 'IDENTITY_KEY_EXPOSED'

/** Errors of the identity module. */
export class IdentityError extends DollyError<IdentityErrorCode> {}
