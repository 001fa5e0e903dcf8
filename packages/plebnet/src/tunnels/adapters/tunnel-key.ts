import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { bytesToHex, hexToBytes, IdentityError, type Rng } from '@dolly/base'

/** File of the agent's long-term X25519 tunnel secret in its home (hex, mode 0600), beside identity.key. */
export const TUNNEL_KEY_FILE = 'tunnel.key'

/**
 * Loads `<home>/tunnel.key`, or creates it (mode 0600) from 32 bytes of `rng` when it does not exist:
 * the secret behind the X25519 key the agent advertises in its `hop/<id>` entry. Refuses a file other
 * users can read (IDENTITY_KEY_EXPOSED) or one that is not 64 hex digits (IDENTITY_KEY_MALFORMED).
 */
export async function loadOrCreateTunnelSecret(home: string, rng: Rng): Promise<Uint8Array> {
  const path = join(home, TUNNEL_KEY_FILE)
  let text: string | undefined
  try {
    const info = await stat(path)
    if ((info.mode & 0o077) !== 0) {
      throw new IdentityError(
        'IDENTITY_KEY_EXPOSED',
        `${path} has mode ${(info.mode & 0o777).toString(8)}; run chmod 600 ${path}`,
        { path },
      )
    }
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'ENOENT') throw err
  }
  if (text === undefined) {
    const secret = rng.bytes(32)
    await mkdir(home, { recursive: true, mode: 0o700 })
    try {
      await writeFile(path, `${bytesToHex(secret)}\n`, { mode: 0o600, flag: 'wx' })
      await chmod(path, 0o600)
      return secret
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'EEXIST') throw err
      text = await readFile(path, 'utf8')
    }
  }
  const secret = /^[0-9a-f]{64}$/.test(text.trim()) ? hexToBytes(text.trim()) : undefined
  if (secret === undefined)
    throw new IdentityError('IDENTITY_KEY_MALFORMED', `${path} is not a 32-byte hex X25519 secret`, { path })
  return secret
}
