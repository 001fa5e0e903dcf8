import { createSeededRng } from '@dolly/base'
import { describe, expect, it } from 'vitest'
import { generateWireguardKeys, renderWireguardConfig, wireguardPublicKey } from './wireguard.ts'

describe('WireGuard keys', () => {
  it('computes the RFC 7748 §6.1 public key of Alice', () => {
    // RFC 7748 §6.1: Alice's private key a and public key X25519(a, 9).
    const alicePrivate = Buffer.from(
      '77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a',
      'hex',
    ).toString('base64')
    const alicePublic = Buffer.from(
      '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a',
      'hex',
    ).toString('base64')
    expect(wireguardPublicKey(alicePrivate)).toBe(alicePublic)
  })

  it('draws clamped keys from the Rng and renders a wg-quick file', () => {
    const keys = generateWireguardKeys(createSeededRng('wg'))
    const raw = Buffer.from(keys.privateKey, 'base64')
    expect(raw.length).toBe(32)
    expect((raw[0] ?? 0) & 7).toBe(0)
    expect((raw[31] ?? 0) & 192).toBe(64)
    expect(keys.publicKey).toMatch(/^[A-Za-z0-9+/]{43}=$/)
    const text = renderWireguardConfig({
      privateKey: keys.privateKey,
      addresses: ['10.99.0.2/32'],
      dns: [],
      peer: { publicKey: keys.publicKey, endpoint: '10.77.0.1:51820', allowedIps: ['0.0.0.0/0'] },
    })
    expect(text).toContain('[Peer]\nPublicKey = ')
    expect(text).toContain('Endpoint = 10.77.0.1:51820')
  })
})
