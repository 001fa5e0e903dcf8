import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileAtomic, type Rng } from '@dolly/base'
import { STATUS_TOKEN_RE } from '../status.ts'

/** File in the agent home holding the status API's bearer token (0600). */
export const STATUS_TOKEN_FILE = 'status.token'

/** The token in `<home>/status.token`; undefined when there is none or it is not 64 hex digits. */
export async function readStatusToken(home: string): Promise<string | undefined> {
  const text = await readFile(join(home, STATUS_TOKEN_FILE), 'utf8').catch((err: unknown) => {
    if ((err as { code?: unknown }).code === 'ENOENT' || (err as { code?: unknown }).code === 'EACCES')
      return undefined
    throw err
  })
  const token = text?.trim()
  return token !== undefined && STATUS_TOKEN_RE.test(token) ? token : undefined
}

/**
 * The agent's status token, created on first use: 32 bytes from the CSPRNG-backed `rng`, hex,
 * written 0600 so only the agent's user (and local tools running as it) can present it.
 */
export async function loadOrCreateStatusToken(home: string, rng: Rng): Promise<string> {
  const held = await readStatusToken(home)
  if (held !== undefined) return held
  const token = Buffer.from(rng.bytes(32)).toString('hex')
  await writeFileAtomic(join(home, STATUS_TOKEN_FILE), `${token}\n`, { mode: 0o600 })
  return token
}
