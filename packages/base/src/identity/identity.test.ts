import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createSeededRng } from '../rng.ts'
import { afterEach, describe, expect, it } from 'vitest'
import { createSignatureVerifier } from './ed25519.ts'
import { IDENTITY_FILE, loadOrCreateIdentity } from './adapters/identity-file.ts'
import { generateIdentity, identityFromPem, identityFromSeed } from './identity.ts'

const dirs: string[] = []
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true })
})
const home = async (): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), 'dolly-identity-'))
  dirs.push(dir)
  return join(dir, 'home')
}

describe('identity', () => {
  it('signs with a key whose raw public key verifies, and survives a PEM round trip', () => {
    const id = generateIdentity(createSeededRng('id'))
    const msg = new TextEncoder().encode('hello')
    expect(createSignatureVerifier().verify(id.publicKey, msg, id.sign(msg))).toBe(true)
    expect(identityFromPem(id.toPem()).publicKey).toEqual(id.publicKey)
    expect(id.toPem()).toMatch(/^-----BEGIN PRIVATE KEY-----/)
  })

  it('derives the RFC 8032 test 1 public key from its seed', () => {
    // RFC 8032 §7.1, TEST 1.
    const seed = Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex')
    expect(Buffer.from(identityFromSeed(seed).publicKey).toString('hex')).toBe(
      'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    )
  })

  it('refuses key material that is not an Ed25519 key', () => {
    expect(() => identityFromSeed(new Uint8Array(31))).toThrow(
      expect.objectContaining({ code: 'IDENTITY_KEY_MALFORMED' }),
    )
    expect(() => identityFromPem('not a key')).toThrow(
      expect.objectContaining({ code: 'IDENTITY_KEY_MALFORMED' }),
    )
  })
})

describe('identity file', () => {
  it('creates identity.key 0600 on first use and loads the same key afterwards', async () => {
    const dir = await home()
    const first = await loadOrCreateIdentity(dir, createSeededRng('file'))
    const info = await stat(join(dir, IDENTITY_FILE))
    expect(info.mode & 0o777).toBe(0o600)
    const again = await loadOrCreateIdentity(dir, createSeededRng('other'))
    expect(again.publicKey).toEqual(first.publicKey)
    expect(await readFile(join(dir, IDENTITY_FILE), 'utf8')).toBe(first.toPem())
  })

  it('refuses a key file others can read', async () => {
    const dir = await home()
    await loadOrCreateIdentity(dir, createSeededRng('exposed'))
    await chmod(join(dir, IDENTITY_FILE), 0o644)
    await expect(loadOrCreateIdentity(dir, createSeededRng('x'))).rejects.toMatchObject({
      code: 'IDENTITY_KEY_EXPOSED',
    })
  })

  it('refuses a corrupted key file instead of replacing it', async () => {
    const dir = await home()
    await loadOrCreateIdentity(dir, createSeededRng('corrupt'))
    await writeFile(join(dir, IDENTITY_FILE), 'garbage', { mode: 0o600 })
    await expect(loadOrCreateIdentity(dir, createSeededRng('x'))).rejects.toMatchObject({
      code: 'IDENTITY_KEY_MALFORMED',
    })
  })
})
