/** The world's release server: Dollynator tarballs of the working tree behind a GitHub-releases-like API. */
export {
  startReleaseServer,
  type ReleaseServer,
  type ReleaseServerOptions,
} from './adapters/release-server.ts'
export { RELEASE_REPO, type Release, type ReleaseAsset } from './release-index.ts'
export { ReleaseError, type ReleaseErrorCode } from './errors.ts'
