import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import {
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  realpath,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { createGzip } from 'node:zlib'
import { ReplicationError } from '../errors.ts'
import {
  MANIFEST_NAME,
  RUNTIME_PATH,
  manifestLine,
  runtimeDependencyNames,
  shipsDependencyFile,
  shipsWorkspaceFile,
} from '../bundle-plan.ts'
import { tarEnd, tarHeader, tarPadding, type TarEntry } from '../tar.ts'

/** A built copy-self bundle: a gzipped tar in the parent's cache. */
export interface Bundle {
  /** First 16 hex digits of the manifest's SHA-256: names the version directory on the child. */
  readonly id: string
  readonly path: string
  readonly sizeBytes: number
  /** SHA-256 of the .tar.gz, checked on the child before unpacking. */
  readonly sha256: string
  readonly files: number
  /** Uncompressed bytes of all files. */
  readonly contentBytes: number
  /** Whether this call built it (false: taken from the cache). */
  readonly built: boolean
}

interface Member extends TarEntry {
  /** Where the bytes come from (files). */
  readonly source?: string
  /** Identity of the source file for the stat cache: inode, size, mtime. */
  readonly statKey?: string
}

/** `self`: runtime, dependencies and our sources. `runtime`: runtime and dependencies for a release's sources. */
export type BundleKind = 'self' | 'runtime'

/** Options of {@link buildBundle}. */
export interface BundleOptions {
  readonly appRoot: string
  readonly runtimePath: string
  readonly cacheDir: string
  readonly kind?: BundleKind
}

/** gzip level 6 (zlib's default): the bundle is built once per version and pushed many times. */
const GZIP_LEVEL = 6

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256')
  await pipeline(createReadStream(path), hash)
  return hash.digest('hex')
}

async function walk(dir: string, base = dir): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name)
    if (entry.isDirectory()) {
      if (entry.name === 'node_modules' || entry.name === '.git') continue
      out.push(...(await walk(full, base)))
    } else if (entry.isFile() || entry.isSymbolicLink()) {
      out.push(relative(base, full).split(sep).join('/'))
    }
  }
  return out
}

/** Resolves `name` from `fromDir` as Node does: node_modules of the dir and of each parent up to `rootDir`. */
async function resolvePackage(fromDir: string, name: string, rootDir: string): Promise<string | undefined> {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name)
    try {
      await stat(join(candidate, 'package.json'))
      return candidate
    } catch {
      // not here; try the parent directory
    }
    if (dir === rootDir || dirname(dir) === dir) return undefined
  }
}

/**
 * Lists the members of the bundle for the app at `appRoot` whose entry package is `packages/plebnet`:
 * workspace packages by their sources, dependencies by their files, the links in between.
 */
async function collectMembers(appRoot: string, runtimePath: string, kind: BundleKind): Promise<Member[]> {
  const members = new Map<string, Member>()
  const addFile = async (archivePath: string, source: string): Promise<void> => {
    const info = await stat(source)
    members.set(archivePath, {
      path: archivePath,
      kind: 'file',
      mode: (info.mode & 0o111) !== 0 ? 0o755 : 0o644,
      size: info.size,
      source,
      statKey: `${info.ino}:${info.size}:${info.mtimeMs}`,
    })
  }
  await addFile(RUNTIME_PATH, runtimePath)
  if (kind === 'self') await addFile('app/package.json', join(appRoot, 'package.json'))
  const seen = new Set<string>()
  const queue: string[] = [join(appRoot, 'packages', 'plebnet')]
  while (queue.length > 0) {
    const pkgDir = queue.shift() ?? ''
    const real = await realpath(pkgDir)
    if (seen.has(real)) continue
    seen.add(real)
    // A package linked from outside the app (a pnpm-style store, a test's snapshot) is copied in
    // place of its link; one inside (a workspace link) is archived where it really lives.
    const realRel = relative(appRoot, real).split(sep).join('/')
    const rel = realRel.startsWith('..') ? relative(appRoot, pkgDir).split(sep).join('/') : realRel
    if (rel.startsWith('..')) {
      throw new ReplicationError(
        'REPLICATION_BUNDLE_FAILED',
        `package ${pkgDir} lies outside the app at ${appRoot}`,
        { pkgDir },
      )
    }
    const workspace = rel.startsWith('packages/')
    // A runtime bundle leaves the workspace sources to the release tarball.
    for (const file of workspace && kind === 'runtime' ? [] : await walk(real)) {
      if (!(workspace ? shipsWorkspaceFile(file) : shipsDependencyFile(file))) continue
      const full = join(real, file)
      const info = await lstat(full)
      if (info.isSymbolicLink()) continue
      await addFile(`app/${rel}/${file}`, full)
    }
    const manifest: unknown = JSON.parse(await readFile(join(real, 'package.json'), 'utf8'))
    const { required, optional } = runtimeDependencyNames(manifest)
    for (const [names, mustExist] of [
      [required, true],
      [optional, false],
    ] as const) {
      for (const name of names) {
        const found = await resolvePackage(pkgDir, name, appRoot)
        if (found === undefined) {
          if (!mustExist) continue
          throw new ReplicationError(
            'REPLICATION_BUNDLE_FAILED',
            `${rel} needs ${name}, which is not installed under ${appRoot}; run npm ci`,
            { package: rel, dependency: name },
          )
        }
        const linkInfo = await lstat(found)
        const linkedInside = !relative(appRoot, await realpath(found)).startsWith('..')
        if (linkInfo.isSymbolicLink() && linkedInside) {
          // Workspace links (node_modules/@dolly/x → ../../packages/x) stay links: Node strips types
          // only outside node_modules, and resolves a link to its real path.
          const linkPath = relative(appRoot, found).split(sep).join('/')
          members.set(`app/${linkPath}`, {
            path: `app/${linkPath}`,
            kind: 'symlink',
            mode: 0o777,
            size: 0,
            linkTarget: await readlink(found),
          })
        }
        queue.push(found)
      }
    }
  }
  return [...members.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

async function* tarStream(members: readonly Member[], manifest: string): AsyncGenerator<Uint8Array> {
  const manifestBytes = new TextEncoder().encode(manifest)
  yield tarHeader({ path: MANIFEST_NAME, kind: 'file', mode: 0o644, size: manifestBytes.byteLength })
  yield manifestBytes
  yield tarPadding(manifestBytes.byteLength)
  for (const m of members) {
    yield tarHeader(m)
    if (m.kind !== 'file' || m.source === undefined) continue
    let sent = 0
    for await (const chunk of createReadStream(m.source)) {
      const bytes = chunk as Buffer
      sent += bytes.byteLength
      yield bytes
    }
    if (sent !== m.size) {
      throw new ReplicationError('REPLICATION_BUNDLE_FAILED', `${m.source} changed size while bundling`, {
        path: m.source,
        changed: true,
      })
    }
    yield tarPadding(m.size)
  }
  yield tarEnd()
}

/**
 * Builds (or takes from `cacheDir`) the copy-self bundle of the running agent: `runtimePath` (the
 * pinned Node binary) plus the app at `appRoot`. The id is the manifest's hash, so an unchanged
 * install reuses its tarball and a changed file gives a new version.
 *
 * @throws ReplicationError REPLICATION_BUNDLE_FAILED
 */
export async function buildBundle(options: BundleOptions): Promise<Bundle> {
  // A file edited while it is being read (a developer's tree) fails one attempt; the next one sees it settled.
  for (let attempt = 1; ; attempt++) {
    try {
      return await buildOnce(options)
    } catch (err) {
      if (attempt >= BUILD_ATTEMPTS || (err as { details?: { changed?: unknown } }).details?.changed !== true)
        throw err
    }
  }
}

/** How often a bundle build is tried when files change under it. */
const BUILD_ATTEMPTS = 3

/** The bundle a stat index points at, if the index and its tarball are both still there. */
async function cachedBundle(indexPath: string): Promise<Bundle | undefined> {
  try {
    const parsed = JSON.parse(await readFile(indexPath, 'utf8')) as Partial<Bundle>
    if (typeof parsed.path !== 'string' || typeof parsed.id !== 'string' || typeof parsed.sha256 !== 'string')
      return undefined
    const info = await stat(parsed.path)
    if (info.size !== parsed.sizeBytes || !/^[0-9a-f]{64}$/.test(parsed.sha256)) return undefined
    return {
      id: parsed.id,
      path: parsed.path,
      sizeBytes: info.size,
      sha256: parsed.sha256,
      files: Number(parsed.files),
      contentBytes: Number(parsed.contentBytes),
      built: false,
    }
  } catch {
    return undefined
  }
}

async function buildOnce(options: BundleOptions): Promise<Bundle> {
  const appRoot = await realpath(resolve(options.appRoot))
  const kind = options.kind ?? 'self'
  const members = await collectMembers(appRoot, options.runtimePath, kind)
  await mkdir(options.cacheDir, { recursive: true, mode: 0o700 })
  // Hashing ~170 MB costs seconds; unchanged files (same inode, size, mtime, as make and rsync
  // judge) map to the bundle already built from them.
  const statDigest = createHash('sha256')
    .update(members.map((m) => `${m.path}\t${m.statKey ?? m.linkTarget ?? ''}\n`).join(''))
    .digest('hex')
  const statIndex = join(options.cacheDir, `stat-${kind}-${statDigest.slice(0, 32)}.json`)
  const known = await cachedBundle(statIndex)
  if (known !== undefined) return known
  let manifest = ''
  let contentBytes = 0
  for (const m of members) {
    if (m.kind !== 'file' || m.source === undefined) continue
    manifest += manifestLine(await sha256File(m.source), m.path)
    contentBytes += m.size
  }
  const id = `${kind === 'self' ? '' : 'rt-'}${createHash('sha256').update(manifest).digest('hex').slice(0, 16)}`
  const files = members.filter((m) => m.kind === 'file').length
  const path = join(options.cacheDir, `plebnet-${id}.tar.gz`)
  const sumPath = `${path}.sha256`
  try {
    const sha256 = (await readFile(sumPath, 'utf8')).trim()
    const info = await stat(path)
    if (/^[0-9a-f]{64}$/.test(sha256)) {
      const bundle = { id, path, sizeBytes: info.size, sha256, files, contentBytes, built: false }
      await writeFile(statIndex, JSON.stringify(bundle), { mode: 0o600 })
      return bundle
    }
  } catch {
    // not cached yet
  }
  const tmp = `${path}.${process.pid}.tmp`
  try {
    await pipeline(
      tarStream(members, manifest),
      createGzip({ level: GZIP_LEVEL }),
      createWriteStream(tmp, { mode: 0o600 }),
    )
    const sha256 = await sha256File(tmp)
    await rename(tmp, path)
    await writeFile(sumPath, `${sha256}\n`, { mode: 0o600 })
    const info = await stat(path)
    const bundle = { id, path, sizeBytes: info.size, sha256, files, contentBytes, built: true }
    await writeFile(statIndex, JSON.stringify({ ...bundle, built: false }), { mode: 0o600 })
    return bundle
  } catch (err) {
    await rm(tmp, { force: true })
    if ((err as { code?: unknown }).code === 'REPLICATION_BUNDLE_FAILED') throw err
    throw new ReplicationError(
      'REPLICATION_BUNDLE_FAILED',
      `building the bundle in ${options.cacheDir} failed: ${err instanceof Error ? err.message : String(err)}`,
      { cacheDir: options.cacheDir },
      { cause: err },
    )
  }
}

/** The app root of the running agent: five levels above this file (`packages/plebnet/src/replication/adapters`). */
export function runningAppRoot(): string {
  return resolve(import.meta.dirname, '..', '..', '..', '..', '..')
}
