/**
 * What a copy-self bundle holds and how it is laid out (pure): the runtime at `bin/node`, the
 * application tree under `app/` (the workspace packages the agent needs, their production
 * dependencies, the workspace links), and `MANIFEST.sha256` listing every file's SHA-256 in
 * `sha256sum` format so the child verifies what it unpacked with coreutils alone.
 */

/** Name of the per-file checksum list at the top of a bundle. */
export const MANIFEST_NAME = 'MANIFEST.sha256'
/** Path of the runtime inside a bundle. */
export const RUNTIME_PATH = 'bin/node'
/** The agent's entry point inside a bundle. */
export const ENTRY_PATH = 'app/packages/plebnet/bin/plebnet.js'

/** Files of a dependency package that the agent never reads at run time: types, source maps, docs. */
const DEPENDENCY_SKIP_RE =
  /(\.d\.[cm]?ts(\.map)?|\.map|\.tsbuildinfo)$|(^|\/)(\.github|\.vscode|docs?|tests?|__tests__|benchmarks?|examples?)\//i
const DOC_RE = /\.(md|markdown)$/i
const LICENCE_RE = /(^|\/)(licen[cs]e|copying|notice)[^/]*$/i

/** Whether a file of a dependency (path relative to its package dir) goes into the bundle. */
export function shipsDependencyFile(relPath: string): boolean {
  if (relPath.startsWith('node_modules/')) return false
  if (LICENCE_RE.test(relPath)) return true
  if (DOC_RE.test(relPath)) return false
  return !DEPENDENCY_SKIP_RE.test(relPath)
}

/** Whether a file of one of our workspace packages (path relative to its dir) goes into the bundle: sources and bins, no tests. */
export function shipsWorkspaceFile(relPath: string): boolean {
  if (relPath === 'package.json' || relPath === 'README.md') return true
  if (!/^(src|bin)\//.test(relPath)) return false
  return !/\.test\.ts$/.test(relPath) && !/(^|\/)(vectors|fixtures)\//.test(relPath)
}

/** The names a package.json says a package needs at run time (optional and peer ones when installed). */
export function runtimeDependencyNames(manifest: unknown): { required: string[]; optional: string[] } {
  const record = (key: string): string[] => {
    if (typeof manifest !== 'object' || manifest === null) return []
    const value = (manifest as Record<string, unknown>)[key]
    return typeof value === 'object' && value !== null ? Object.keys(value) : []
  }
  const meta =
    typeof manifest === 'object' && manifest !== null
      ? (manifest as Record<string, unknown>)['peerDependenciesMeta']
      : undefined
  // An optional peer (e.g. typescript for a library's types) is the host app's choice, not a need.
  const optionalPeer = (name: string): boolean => {
    if (typeof meta !== 'object' || meta === null) return false
    const entry = (meta as Record<string, unknown>)[name]
    return (
      typeof entry === 'object' && entry !== null && (entry as Record<string, unknown>)['optional'] === true
    )
  }
  return {
    required: record('dependencies'),
    optional: [
      ...record('optionalDependencies'),
      ...record('peerDependencies').filter((n) => !optionalPeer(n)),
    ],
  }
}

/** One line of `sha256sum` output (text mode: two spaces). */
export function manifestLine(sha256Hex: string, path: string): string {
  return `${sha256Hex}  ${path}\n`
}
