import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { Rng } from '../../rng.ts'
import { IdentityError } from '../errors.ts'
import { generateIdentity, identityFromPem, type Identity } from '../identity.ts'

/** File name of the identity key in the agent home (DESIGN.md §4). */
export const IDENTITY_FILE = 'identity.key'

/**
 * The text of the secret file at `path`, or `create()`'s text written there first (mode 0600, its
 * directory 0700 when new) when it does not exist. Refuses a file other users can read
 * (IDENTITY_KEY_EXPOSED: fix it with chmod 600). `wx`: never overwrites a file another process
 * created meanwhile (losing a key would lose its chain); that file's text is returned instead.
 */
export async function loadOrCreateSecretFile(path: string, create: () => string): Promise<string> {
  try {
    const info = await stat(path)
    if ((info.mode & 0o077) !== 0) {
      throw new IdentityError(
        'IDENTITY_KEY_EXPOSED',
        `${path} has mode ${(info.mode & 0o777).toString(8)}; run chmod 600 ${path}`,
        { path },
      )
    }
    return await readFile(path, 'utf8')
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'ENOENT') throw err
  }
  const text = create()
  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
  try {
    await writeFile(path, text, { mode: 0o600, flag: 'wx' })
  } catch (err) {
    if ((err as { code?: unknown }).code === 'EEXIST') return readFile(path, 'utf8')
    throw err
  }
  // The umask may have narrowed the mode further, never widened it; make it exactly 0600.
  await chmod(path, 0o600)
  return text
}

/**
 * Loads `<home>/identity.key`, or creates it (mode 0600, home 0700 when new) from `rng` when it does
 * not exist. Refuses a key file other users can read (IDENTITY_KEY_EXPOSED): fix it with chmod 600.
 */
export async function loadOrCreateIdentity(home: string, rng: Rng): Promise<Identity> {
  return identityFromPem(
    await loadOrCreateSecretFile(join(home, IDENTITY_FILE), () => generateIdentity(rng).toPem()),
  )
}
