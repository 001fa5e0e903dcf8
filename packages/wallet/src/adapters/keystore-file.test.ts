import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createSeededRng, createVirtualClock } from '@dolly/base'
import { createKeystore } from '../keystore/keystore.ts'
import { readKeystoreFile, writeKeystoreFile } from './keystore-file.ts'

describe('keystore file', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wallet-keystore-'))
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('writes mode 0600, reads back the same document, and never replaces an existing wallet', async () => {
    const { document } = await createKeystore(
      { rng: createSeededRng(1), clock: createVirtualClock(0) },
      { network: 'world', passphrase: 'pw', kdf: { n: 1024, r: 8, p: 1 } },
    )
    const path = join(dir, 'home', 'wallet.json')
    await writeKeystoreFile(path, document)
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    expect(await readKeystoreFile(path)).toEqual(document)
    const before = await readFile(path, 'utf8')
    await expect(writeKeystoreFile(path, { ...document, createdAtMs: 1 })).rejects.toMatchObject({
      code: 'WALLET_KEYSTORE_EXISTS',
    })
    expect(await readFile(path, 'utf8')).toBe(before)
  })

  it('names a missing wallet', async () => {
    await expect(readKeystoreFile(join(dir, 'nope.json'))).rejects.toMatchObject({
      code: 'WALLET_KEYSTORE_NOT_FOUND',
    })
  })
})
