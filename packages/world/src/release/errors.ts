import { DollyError, EXIT, type ExitStatusMap } from '@dolly/base'

/** Codes thrown by the release server. */
export type ReleaseErrorCode =
  'WORLD_RELEASE_NOT_A_REPO' | 'WORLD_RELEASE_BUILD_FAILED' | 'WORLD_RELEASE_INVALID_OPTION'

/** Exit status of a CLI that ends on each code (STYLE.md §1.7; 2 only for bad usage or input): every code is listed, so a new one needs a decision. */
export const RELEASE_EXIT_STATUS: ExitStatusMap<ReleaseErrorCode> = Object.freeze({
  WORLD_RELEASE_NOT_A_REPO: EXIT.FAILURE,
  WORLD_RELEASE_BUILD_FAILED: EXIT.FAILURE,
  WORLD_RELEASE_INVALID_OPTION: EXIT.USAGE,
})

/** Errors of the world's release server; callers branch on `code` (STYLE.md §1.7). */
export class ReleaseError extends DollyError<ReleaseErrorCode> {}
