import type { Rng } from '@dolly/base'
import { identityFromSeed } from '@dolly/base'

/**
 * The parent's SSH key for its children: Ed25519 in OpenSSH's own formats (ssh2 reads only the
 * `openssh-key-v1` container for Ed25519). Built from Rng bytes, so key material has one source
 * (STYLE.md §1.2). Format: PROTOCOL.key in OpenSSH (openssh-portable/PROTOCOL.key).
 */
export interface SshKeyPair {
  /** `-----BEGIN OPENSSH PRIVATE KEY-----` text, unencrypted: a secret, stored 0600. */
  readonly privateKey: string
  /** One `authorized_keys` line: `ssh-ed25519 <base64> <comment>`. */
  readonly publicKey: string
}

const SEED_BYTES = 32

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4)
  new DataView(b.buffer).setUint32(0, n)
  return b
}

function sshString(bytes: Uint8Array | string): Uint8Array {
  const body = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes
  return concat([u32(body.byteLength), body])
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.byteLength
  }
  return out
}

/** The OpenSSH key pair whose Ed25519 seed is `seed` (32 bytes). */
export function sshKeyFromSeed(seed: Uint8Array, comment: string): SshKeyPair {
  const pub = identityFromSeed(seed).publicKey
  const pubBlob = concat([sshString('ssh-ed25519'), sshString(pub)])
  // The check integers only detect a wrong passphrase; any equal pair is valid for an unencrypted key.
  const check = u32(new DataView(pub.buffer, pub.byteOffset).getUint32(0))
  const body = concat([
    check,
    check,
    sshString('ssh-ed25519'),
    sshString(pub),
    sshString(concat([seed, pub])),
    sshString(comment),
  ])
  const padLength = (8 - (body.byteLength % 8)) % 8
  const padded = concat([body, Uint8Array.from({ length: padLength }, (_, i) => i + 1)])
  const blob = concat([
    new TextEncoder().encode('openssh-key-v1\0'),
    sshString('none'),
    sshString('none'),
    sshString(''),
    u32(1),
    sshString(pubBlob),
    sshString(padded),
  ])
  const b64 = Buffer.from(blob).toString('base64')
  const lines = b64.match(/.{1,70}/g) ?? []
  return {
    privateKey: `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`,
    publicKey: `ssh-ed25519 ${Buffer.from(pubBlob).toString('base64')} ${comment}`,
  }
}

/** A fresh key pair from `rng` (a CSPRNG one outside tests). */
export function generateSshKey(rng: Rng, comment: string): SshKeyPair {
  return sshKeyFromSeed(rng.bytes(SEED_BYTES), comment)
}
