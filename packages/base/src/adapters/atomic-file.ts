/**
 * The one atomic, durable file write of the project (issue 14): a reader sees the old file or the new
 * one, never half of either, and once the promise resolves the new content survives a power cut.
 */
import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { mkdir, open, rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

/** Options of {@link writeFileAtomic}. */
export interface WriteFileAtomicOptions {
  /** Permission bits of the file, applied exactly (the umask cannot narrow or widen them), e.g. 0o600. */
  readonly mode: number
  /** Create the directory first (recursively) with this mode when it is missing; default: it must exist. */
  readonly dirMode?: number
}

/**
 * Replaces `path` with `data` atomically and durably: writes a temp file in the same directory (same
 * file system, so the rename is atomic) created with `mode`, fsyncs it, renames it over `path`, then
 * fsyncs the directory so the rename itself is on disk. On failure the temp file is removed and `path`
 * is untouched. The directory must exist unless `dirMode` is given.
 *
 * @example await writeFileAtomic(join(home, 'state.json'), `${JSON.stringify(state)}\n`, { mode: 0o600 })
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: WriteFileAtomicOptions,
): Promise<void> {
  const dir = dirname(path)
  if (options.dirMode !== undefined) await mkdir(dir, { recursive: true, mode: options.dirMode })
  // Unique per process and call, so concurrent writers never share a temp file; ends in `.tmp` so
  // directory scans can skip (and clean) leftovers of a crash.
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
  const handle = await open(tmp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, options.mode)
  try {
    try {
      await handle.writeFile(data)
      await handle.chmod(options.mode)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(tmp, path)
  } catch (err) {
    await rm(tmp, { force: true })
    throw err
  }
  await syncDirectory(dir)
}

/** fsyncs a directory, making a rename or a new entry in it durable. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY)
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}
