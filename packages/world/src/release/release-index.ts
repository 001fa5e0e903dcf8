/**
 * Pure parts of the release server: which tracked files go into a tarball, the SHA256SUMS text and
 * the GitHub-releases-shaped JSON (https://docs.github.com/en/rest/releases/releases, the fields a
 * release installer reads).
 */

/** Owner and name of the repository the index pretends to be. */
export const RELEASE_REPO = 'dollynator/dollynator'

/** A built release file. */
export interface ReleaseAsset {
  readonly id: number
  readonly name: string
  readonly sizeBytes: number
  readonly sha256: string
  readonly contentType: string
}

/** One release: a tag at a commit with its assets. */
export interface Release {
  readonly id: number
  readonly tag: string
  readonly commit: string
  /** ISO-8601 commit time; releases are dated by their commit, so a rebuild gives the same JSON. */
  readonly createdAt: string
  readonly assets: readonly ReleaseAsset[]
}

/**
 * Tracked paths that must never ship even if someone committed them: environment files, private
 * keys, wallets. The tarball is served to every agent in the world.
 */
const SECRET_PATH_RES = [
  /(^|\/)\.env(\..+)?$/,
  /(^|\/)id_(rsa|dsa|ecdsa|ed25519)$/,
  /\.(pem|key|p12|pfx)$/i,
  /(^|\/)wallet\.json$/,
  /(^|\/)identity\.key$/,
  /(^|\/)\.npmrc$/,
]

/** True for a path that looks like a secret and is left out of release tarballs. */
export function isSecretLookingPath(path: string): boolean {
  return SECRET_PATH_RES.some((re) => re.test(path))
}

/** The release tag: `v<version>-g<short commit>`, `-dirty` when the working tree differs (git describe style). */
export function releaseTag(version: string, commit: string, dirty: boolean): string {
  return `v${version}-g${commit.slice(0, 7)}${dirty ? '-dirty' : ''}`
}

/** The checksum file in `sha256sum` format (two spaces, binary-safe names), one asset per line. */
export function renderSha256Sums(assets: readonly { name: string; sha256: string }[]): string {
  return assets.map((a) => `${a.sha256}  ${a.name}\n`).join('')
}

/** Download path of an asset, as on github.com. */
export function assetPath(tag: string, name: string): string {
  return `/${RELEASE_REPO}/releases/download/${encodeURIComponent(tag)}/${encodeURIComponent(name)}`
}

/** The JSON GitHub's `GET /repos/{owner}/{repo}/releases/...` returns for `release`, with URLs under `baseUrl`. */
export function releaseToJson(release: Release, baseUrl: string): Record<string, unknown> {
  const api = `${baseUrl}/repos/${RELEASE_REPO}`
  const tarball = release.assets.find((a) => a.name.endsWith('.tar.gz'))
  return {
    url: `${api}/releases/${release.id}`,
    html_url: `${baseUrl}/${RELEASE_REPO}/releases/tag/${encodeURIComponent(release.tag)}`,
    assets_url: `${api}/releases/${release.id}/assets`,
    id: release.id,
    tag_name: release.tag,
    target_commitish: release.commit,
    name: `Dollynator ${release.tag}`,
    draft: false,
    prerelease: false,
    created_at: release.createdAt,
    published_at: release.createdAt,
    tarball_url: tarball === undefined ? null : `${baseUrl}${assetPath(release.tag, tarball.name)}`,
    body: `Dollynator built from commit ${release.commit}. Verify downloads against SHA256SUMS.`,
    assets: release.assets.map((a) => ({
      url: `${api}/releases/assets/${a.id}`,
      id: a.id,
      name: a.name,
      label: null,
      content_type: a.contentType,
      state: 'uploaded',
      size: a.sizeBytes,
      digest: `sha256:${a.sha256}`,
      download_count: 0,
      created_at: release.createdAt,
      updated_at: release.createdAt,
      browser_download_url: `${baseUrl}${assetPath(release.tag, a.name)}`,
    })),
  }
}
