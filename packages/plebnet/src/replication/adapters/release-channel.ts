import { ReplicationError } from '../errors.ts'
import { checksumFor, parseRelease, releaseApiPath } from '../release-index.ts'

/** The release repository the world's release server (and upstream) publish under. */
export const RELEASE_REPO = 'dollynator/dollynator'
/** How long one request to the release channel may take (ms). */
const RELEASE_TIMEOUT_MS = 15_000

async function get(url: string): Promise<Response> {
  let response: Response
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(RELEASE_TIMEOUT_MS) })
  } catch (err) {
    throw new ReplicationError(
      'REPLICATION_RELEASE_FAILED',
      `cannot reach the release channel at ${url}: ${err instanceof Error ? err.message : String(err)}`,
      { url },
      { cause: err },
    )
  }
  if (!response.ok) {
    throw new ReplicationError(
      'REPLICATION_RELEASE_FAILED',
      `${url} answered ${response.status}; check the release version and channel URL`,
      {
        url,
        status: response.status,
      },
    )
  }
  return response
}

/**
 * Resolves `version` (`latest` or a tag) on the release channel at `baseUrl` to its tarball URL and
 * the SHA-256 that its SHA256SUMS lists, which the child checks its download against.
 *
 * @throws ReplicationError REPLICATION_RELEASE_FAILED
 */
export async function resolveRelease(
  baseUrl: string,
  version: string,
): Promise<{ tag: string; name: string; url: string; sha256: string }> {
  const base = baseUrl.replace(/\/+$/, '')
  const release = parseRelease(await (await get(`${base}${releaseApiPath(RELEASE_REPO, version)}`)).json())
  const sums = await (await get(release.sumsUrl)).text()
  return {
    tag: release.tag,
    name: release.tarball.name,
    url: release.tarball.url,
    sha256: checksumFor(sums, release.tarball.name),
  }
}
