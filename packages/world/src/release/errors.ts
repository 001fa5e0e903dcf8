import { DollyError } from '@dolly/base'

/** Codes thrown by the release server. */
export type ReleaseErrorCode =
  'WORLD_RELEASE_NOT_A_REPO' | 'WORLD_RELEASE_BUILD_FAILED' | 'WORLD_RELEASE_INVALID_OPTION'

/** Errors of the world's release server; callers branch on `code` (STYLE.md §1.7). */
export class ReleaseError extends DollyError<ReleaseErrorCode> {}
