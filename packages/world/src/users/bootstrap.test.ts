import { bytesToHex, createCryptoRng, generateIdentity } from '@dolly/base'
import { peerIdOfKey } from '@dolly/overlay'
import { describe, expect, it } from 'vitest'
import { agentMultiaddr, bootstrapAddrs } from './bootstrap.ts'

describe('bootstrap multiaddrs', () => {
  it("names an agent's host, overlay port and the peer id of its public key", () => {
    const key = generateIdentity(createCryptoRng()).publicKey
    const addr = agentMultiaddr(bytesToHex(key), '10.77.1.5')
    expect(addr).toBe(`/ip4/10.77.1.5/tcp/8000/p2p/${peerIdOfKey(key).toString()}`)
    // An Ed25519 peer id (identity multihash of the protobuf key) is base58btc `12D3KooW…`.
    expect(addr).toMatch(/\/p2p\/12D3KooW[1-9A-HJ-NP-Za-km-z]{44}$/)
  })

  it('refuses a key that is not 32 bytes of hex', () => {
    expect(() => agentMultiaddr('abc', '10.77.1.5')).toThrow(/not 32 bytes/)
    expect(() => agentMultiaddr('00'.repeat(31), '10.77.1.5')).toThrow(/not 32 bytes/)
  })

  it('lists only the agents alive now', () => {
    const a = bytesToHex(generateIdentity(createCryptoRng()).publicKey)
    const b = bytesToHex(generateIdentity(createCryptoRng()).publicKey)
    const addrs = bootstrapAddrs([
      { id: a, hostIp: '10.77.1.2', alive: true },
      { id: b, hostIp: '10.77.1.3', alive: false },
    ])
    expect(addrs).toHaveLength(1)
    expect(addrs[0]).toContain('/ip4/10.77.1.2/')
  })
})
