/**
 * WireGuard keys and the wg-quick configuration the agent installs (CLOUDOMATE.md §14: WireGuard by
 * default). The private key is 32 bytes from the injected Rng, clamped as X25519 requires (RFC 7748 §5);
 * the public key is computed with Node's X25519, so no randomness is hidden here.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto'
import type { Rng } from '@dolly/base'
import type { WireguardConfig } from '../model.ts'

/** DER prefix of a PKCS#8 X25519 private key (RFC 8410 §7) before the 32 key bytes. */
const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex')

/** A WireGuard key pair, base64 as `wg` prints them. */
export interface WireguardKeyPair {
  readonly privateKey: string
  readonly publicKey: string
}

/** The public key of a base64 X25519 private key. */
export function wireguardPublicKey(privateKeyB64: string): string {
  const der = Buffer.concat([PKCS8_X25519_PREFIX, Buffer.from(privateKeyB64, 'base64')])
  const jwk = createPublicKey(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })).export({
    format: 'jwk',
  })
  return Buffer.from(String(jwk.x), 'base64url').toString('base64')
}

/** A fresh key pair from `rng`. */
export function generateWireguardKeys(rng: Rng): WireguardKeyPair {
  const key = Buffer.from(rng.bytes(32))
  key[0] = (key[0] ?? 0) & 248
  key[31] = ((key[31] ?? 0) & 127) | 64
  const privateKey = key.toString('base64')
  return { privateKey, publicKey: wireguardPublicKey(privateKey) }
}

/** Renders a wg-quick(8) configuration file. */
export function renderWireguardConfig(config: WireguardConfig, keepaliveS = 25): string {
  return [
    '[Interface]',
    `PrivateKey = ${config.privateKey}`,
    `Address = ${config.addresses.join(', ')}`,
    ...(config.dns.length === 0 ? [] : [`DNS = ${config.dns.join(', ')}`]),
    '',
    '[Peer]',
    `PublicKey = ${config.peer.publicKey}`,
    `AllowedIPs = ${config.peer.allowedIps.join(', ')}`,
    `Endpoint = ${config.peer.endpoint}`,
    `PersistentKeepalive = ${keepaliveS}`,
    '',
  ].join('\n')
}

/** The WireGuard configuration kept in a purchase account's data, or undefined before activation. */
export function wireguardFromData(data: Readonly<Record<string, string>>): WireguardConfig | undefined {
  const { wgPrivateKey, wgAddresses, wgPeerPublicKey, wgEndpoint, wgAllowedIps } = data
  if (
    wgPrivateKey === undefined ||
    wgAddresses === undefined ||
    wgPeerPublicKey === undefined ||
    wgEndpoint === undefined ||
    wgAllowedIps === undefined
  )
    return undefined
  return {
    privateKey: wgPrivateKey,
    addresses: wgAddresses.split(','),
    dns: [],
    peer: { publicKey: wgPeerPublicKey, endpoint: wgEndpoint, allowedIps: wgAllowedIps.split(',') },
  }
}
