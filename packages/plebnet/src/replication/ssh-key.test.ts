import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { utils } from 'ssh2'
import { createSeededRng } from '@dolly/base'
import { describe, expect, it } from 'vitest'
import { generateSshKey, sshKeyFromSeed } from './ssh-key.ts'

describe('sshKeyFromSeed', () => {
  it('writes a private key ssh2 parses, whose public half is the authorized_keys line', () => {
    const pair = generateSshKey(createSeededRng(7), 'plebnet-parent')
    const parsed = utils.parseKey(pair.privateKey)
    if (parsed instanceof Error) throw parsed
    const key = Array.isArray(parsed) ? parsed[0] : parsed
    expect(key?.type).toBe('ssh-ed25519')
    expect(`ssh-ed25519 ${key?.getPublicSSH().toString('base64')} plebnet-parent`).toBe(pair.publicKey)
  })

  it('agrees with ssh-keygen about the public key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sshkey-'))
    try {
      const pair = sshKeyFromSeed(new Uint8Array(32).fill(3), 'c')
      writeFileSync(join(dir, 'id'), pair.privateKey, { mode: 0o600 })
      const pub = execFileSync('ssh-keygen', ['-y', '-f', join(dir, 'id')], { encoding: 'utf8' }).trim()
      expect(pub.split(' ').slice(0, 2)).toEqual(pair.publicKey.split(' ').slice(0, 2))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
