import { join } from 'node:path'
import { bytesToHex, hexToBytes, IdentityError, loadOrCreateSecretFile, type Rng } from '@dolly/base'

/** File of the agent's long-term X25519 tunnel secret in its home (hex, mode 0600), beside identity.key. */
export const TUNNEL_KEY_FILE = 'tunnel.key'

/**
 * Loads `<home>/tunnel.key`, or creates it (mode 0600) from 32 bytes of `rng` when it does not exist:
 * the secret behind the X25519 key the agent advertises in its `hop/<id>` entry. Refuses a file other
 * users can read (IDENTITY_KEY_EXPOSED) or one that is not 64 hex digits (IDENTITY_KEY_MALFORMED).
 */
export async function loadOrCreateTunnelSecret(home: string, rng: Rng): Promise<Uint8Array> {
  const path = join(home, TUNNEL_KEY_FILE)
  const text = (await loadOrCreateSecretFile(path, () => `${bytesToHex(rng.bytes(32))}\n`)).trim()
  const secret = /^[0-9a-f]{64}$/.test(text) ? hexToBytes(text) : undefined
  if (secret === undefined)
    throw new IdentityError('IDENTITY_KEY_MALFORMED', `${path} is not a 32-byte hex X25519 secret`, { path })
  return secret
}
