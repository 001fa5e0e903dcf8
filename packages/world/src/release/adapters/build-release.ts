import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { lstat, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { createGzip } from 'node:zlib'
import { ReleaseError } from '../errors.ts'
import {
  isSecretLookingPath,
  releaseTag,
  renderSha256Sums,
  type Release,
  type ReleaseAsset,
} from '../release-index.ts'

/** How long one git command may run (ms); `git ls-files` on this repository takes tens of ms. */
const GIT_TIMEOUT_MS = 30_000

function git(repoDir: string, args: readonly string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['-C', repoDir, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: '/usr/local/bin:/usr/bin:/bin',
        HOME: '/nonexistent',
        LANG: 'C',
        GIT_CONFIG_NOSYSTEM: '1',
      },
      timeout: GIT_TIMEOUT_MS,
    })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (b: Buffer) => out.push(b))
    child.stderr.on('data', (b: Buffer) => err.push(b))
    child.on('error', (e) =>
      reject(
        new ReleaseError('WORLD_RELEASE_NOT_A_REPO', `could not run git: ${e.message}`, {}, { cause: e }),
      ),
    )
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out))
      else
        reject(
          new ReleaseError(
            'WORLD_RELEASE_NOT_A_REPO',
            `git ${args.join(' ')} in ${repoDir} failed: ${Buffer.concat(err).toString('utf8').trim()}`,
            {
              repoDir,
              exitCode: code,
            },
          ),
        )
    })
  })
}

async function versionOf(repoDir: string): Promise<string> {
  for (const file of ['packages/plebnet/package.json', 'package.json']) {
    try {
      const parsed: unknown = JSON.parse(await readFile(join(repoDir, file), 'utf8'))
      if (
        typeof parsed === 'object' &&
        parsed !== null &&
        'version' in parsed &&
        typeof parsed.version === 'string' &&
        /^\d+\.\d+\.\d+/.test(parsed.version)
      ) {
        return parsed.version
      }
    } catch {
      // try the next candidate
    }
  }
  return '0.0.0'
}

/** Tracked files that exist in the working tree (regular files and symlinks), minus secret-looking ones. */
async function filesToShip(repoDir: string): Promise<{ files: string[]; skipped: string[] }> {
  const listed = (await git(repoDir, ['ls-files', '-z']))
    .toString('utf8')
    .split('\0')
    .filter((p) => p !== '')
  const files: string[] = []
  const skipped: string[] = []
  for (const path of listed) {
    if (isSecretLookingPath(path)) {
      skipped.push(path)
      continue
    }
    try {
      const info = await lstat(join(repoDir, path))
      if (info.isFile() || info.isSymbolicLink()) files.push(path)
    } catch {
      // Tracked but deleted in the working tree: the release reflects the tree, so it is left out.
    }
  }
  return { files: files.sort(), skipped }
}

/** Runs tar over `files` and gzips its output into `outFile` (gzip header without a timestamp). */
async function writeTarball(
  repoDir: string,
  files: readonly string[],
  prefix: string,
  mtimeEpochS: number,
  outFile: string,
): Promise<void> {
  const tar = spawn(
    'tar',
    [
      '--create',
      '--file=-',
      `--directory=${repoDir}`,
      '--null',
      '--no-recursion',
      `--transform=s,^,${prefix}/,`,
      '--owner=0',
      '--group=0',
      '--numeric-owner',
      `--mtime=@${mtimeEpochS}`,
      '--format=gnu',
      // Positional options (--null, --no-recursion) act only on file lists that follow them.
      '--files-from=-',
    ],
    { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: '/usr/local/bin:/usr/bin:/bin', LANG: 'C' } },
  )
  const err: Buffer[] = []
  tar.stderr.on('data', (b: Buffer) => err.push(b))
  const exited = new Promise<number | null>((resolve, reject) => {
    tar.on('error', reject)
    tar.on('close', resolve)
  })
  tar.stdin.end(files.map((f) => `${f}\0`).join(''))
  await pipeline(tar.stdout, createGzip({ level: 9 }), createWriteStream(outFile, { mode: 0o644 }))
  const code = await exited
  if (code !== 0) {
    throw new ReleaseError(
      'WORLD_RELEASE_BUILD_FAILED',
      `tar exited ${String(code)}: ${Buffer.concat(err).toString('utf8').trim().slice(0, 400)}`,
      { exitCode: code },
    )
  }
}

/** What {@link buildRelease} produced. */
export interface BuiltRelease {
  readonly release: Release
  /** Directory holding the asset files. */
  readonly assetsDir: string
  /** Tracked paths left out because they look like secrets. */
  readonly skipped: readonly string[]
  readonly fileCount: number
}

/**
 * Builds a release of the working tree of `repoDir` into `dataDir`: a tarball of the files git tracks
 * (as they are on disk now) under `dollynator-<tag>/`, and a SHA256SUMS file.
 */
export async function buildRelease(repoDir: string, dataDir: string): Promise<BuiltRelease> {
  const commit = (await git(repoDir, ['rev-parse', 'HEAD'])).toString('utf8').trim()
  const commitEpochS = Number((await git(repoDir, ['log', '-1', '--format=%ct'])).toString('utf8').trim())
  const createdAt = new Date(commitEpochS * 1000).toISOString()
  const dirty = (await git(repoDir, ['status', '--porcelain', '--untracked-files=no'])).length > 0
  const tag = releaseTag(await versionOf(repoDir), commit, dirty)
  const { files, skipped } = await filesToShip(repoDir)
  const assetsDir = join(dataDir, tag)
  await mkdir(assetsDir, { recursive: true, mode: 0o755 })
  const tarName = `dollynator-${tag}.tar.gz`
  const tarPath = join(assetsDir, tarName)
  await writeTarball(repoDir, files, `dollynator-${tag}`, commitEpochS, tarPath)
  const tarBytes = await readFile(tarPath)
  const tarball: ReleaseAsset = {
    id: 1,
    name: tarName,
    sizeBytes: tarBytes.length,
    sha256: createHash('sha256').update(tarBytes).digest('hex'),
    contentType: 'application/gzip',
  }
  const sums = Buffer.from(renderSha256Sums([tarball]), 'utf8')
  await writeFile(join(assetsDir, 'SHA256SUMS'), sums, { mode: 0o644 })
  const sumsAsset: ReleaseAsset = {
    id: 2,
    name: 'SHA256SUMS',
    sizeBytes: sums.length,
    sha256: createHash('sha256').update(sums).digest('hex'),
    contentType: 'text/plain',
  }
  return {
    release: { id: 1, tag, commit, createdAt, assets: [tarball, sumsAsset] },
    assetsDir,
    skipped,
    fileCount: files.length,
  }
}
