import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Rng } from '../../rng.ts'
import { IdentityError } from '../errors.ts'
import { generateIdentity, identityFromPem, type Identity } from '../identity.ts'

/** File name of the identity key in the agent home (DESIGN.md §4). */
export const IDENTITY_FILE = 'identity.key'

/**
 * Loads `<home>/identity.key`, or creates it (mode 0600, home 0700 when new) from `rng` when it does
 * not exist. Refuses a key file other users can read (IDENTITY_KEY_EXPOSED): fix it with chmod 600.
 */
export async function loadOrCreateIdentity(home: string, rng: Rng): Promise<Identity> {
  const path = join(home, IDENTITY_FILE)
  let pem: string | undefined
  try {
    const info = await stat(path)
    if ((info.mode & 0o077) !== 0) {
      throw new IdentityError(
        'IDENTITY_KEY_EXPOSED',
        `${path} has mode ${(info.mode & 0o777).toString(8)}; run chmod 600 ${path}`,
        { path },
      )
    }
    pem = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'ENOENT') throw err
  }
  if (pem !== undefined) return identityFromPem(pem)
  const identity = generateIdentity(rng)
  await mkdir(home, { recursive: true, mode: 0o700 })
  try {
    // `wx`: never overwrite a key another process created meanwhile; losing it would lose the chain.
    await writeFile(path, identity.toPem(), { mode: 0o600, flag: 'wx' })
  } catch (err) {
    if ((err as { code?: unknown }).code === 'EEXIST') return identityFromPem(await readFile(path, 'utf8'))
    throw err
  }
  // The umask may have narrowed the mode further, never widened it; make it exactly 0600.
  await chmod(path, 0o600)
  return identity
}
