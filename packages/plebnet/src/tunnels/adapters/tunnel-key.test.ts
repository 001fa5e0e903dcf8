import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createCryptoRng } from '@dolly/base'
import { loadOrCreateTunnelSecret, TUNNEL_KEY_FILE } from './tunnel-key.ts'

describe('tunnel.key', () => {
  let home = ''
  afterEach(async () => rm(home, { recursive: true, force: true }))

  it('is created once with mode 0600 and read back unchanged', async () => {
    home = await mkdtemp(join(tmpdir(), 'tunnel-key-'))
    const first = await loadOrCreateTunnelSecret(home, createCryptoRng())
    const path = join(home, TUNNEL_KEY_FILE)
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    expect(first.byteLength).toBe(32)
    const again = await loadOrCreateTunnelSecret(home, createCryptoRng())
    expect(Buffer.from(again).equals(Buffer.from(first))).toBe(true)
    expect((await readFile(path, 'utf8')).trim()).toBe(Buffer.from(first).toString('hex'))
  })

  it('refuses a key others can read, and one that is not 32 hex bytes, by code', async () => {
    home = await mkdtemp(join(tmpdir(), 'tunnel-key-'))
    const path = join(home, TUNNEL_KEY_FILE)
    await writeFile(path, 'ab'.repeat(32), { mode: 0o644 })
    await chmod(path, 0o644)
    await expect(loadOrCreateTunnelSecret(home, createCryptoRng())).rejects.toMatchObject({
      code: 'IDENTITY_KEY_EXPOSED',
    })
    await chmod(path, 0o600)
    await writeFile(path, 'not a key')
    await expect(loadOrCreateTunnelSecret(home, createCryptoRng())).rejects.toMatchObject({
      code: 'IDENTITY_KEY_MALFORMED',
    })
  })
})
