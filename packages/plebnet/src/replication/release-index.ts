import { z } from 'zod'
import { ReplicationError } from './errors.ts'

/**
 * Reading a release channel: the GitHub releases API (https://docs.github.com/en/rest/releases/releases)
 * as the world's release server and github.com serve it. A third-party format, so unknown keys are
 * stripped; only the fields an installer needs are read.
 */
const AssetSchema = z.object({
  name: z.string().min(1).max(255),
  browser_download_url: z.string().url(),
  size: z.number().int().nonnegative(),
})

const ReleaseSchema = z.object({
  tag_name: z.string().min(1).max(200),
  assets: z.array(AssetSchema).max(100),
})

/** The assets of one release an installer uses. */
export interface ReleaseChoice {
  readonly tag: string
  readonly tarball: { readonly name: string; readonly url: string; readonly sizeBytes: number }
  /** The SHA256SUMS asset's URL. */
  readonly sumsUrl: string
}

/** The API path of a release: `latest`, or a tag (`v` prefixed when given as a bare semver). */
export function releaseApiPath(repo: string, version: string): string {
  if (version === 'latest') return `/repos/${repo}/releases/latest`
  const tag = /^\d+\.\d+\.\d+/.test(version) ? `v${version}` : version
  return `/repos/${repo}/releases/tags/${encodeURIComponent(tag)}`
}

/**
 * Picks the source tarball and SHA256SUMS of a release JSON.
 *
 * @throws ReplicationError REPLICATION_RELEASE_FAILED
 */
export function parseRelease(json: unknown): ReleaseChoice {
  const parsed = ReleaseSchema.safeParse(json)
  if (!parsed.success) {
    throw new ReplicationError(
      'REPLICATION_RELEASE_FAILED',
      `the release channel answered something that is not a release: ${parsed.error.message}`,
      {},
    )
  }
  const tarball = parsed.data.assets.find((a) => a.name.endsWith('.tar.gz'))
  const sums = parsed.data.assets.find((a) => a.name === 'SHA256SUMS')
  if (tarball === undefined || sums === undefined) {
    throw new ReplicationError(
      'REPLICATION_RELEASE_FAILED',
      `release ${parsed.data.tag_name} lacks a .tar.gz or SHA256SUMS asset; it cannot be installed with verification`,
      { tag: parsed.data.tag_name },
    )
  }
  return {
    tag: parsed.data.tag_name,
    tarball: { name: tarball.name, url: tarball.browser_download_url, sizeBytes: tarball.size },
    sumsUrl: sums.browser_download_url,
  }
}

/**
 * The SHA-256 of `name` in a `sha256sum`-format SHA256SUMS text.
 *
 * @throws ReplicationError REPLICATION_RELEASE_FAILED when the file does not list it exactly once
 */
export function checksumFor(sumsText: string, name: string): string {
  const hits = sumsText
    .split('\n')
    .map((line) => /^([0-9a-f]{64}) [ *](.+)$/.exec(line.trim()))
    .filter((m): m is RegExpExecArray => m !== null && m[2] === name)
  const hash = hits[0]?.[1]
  if (hits.length !== 1 || hash === undefined) {
    throw new ReplicationError(
      'REPLICATION_RELEASE_FAILED',
      `SHA256SUMS lists ${name} ${hits.length} times; expected once`,
      { name },
    )
  }
  return hash
}
