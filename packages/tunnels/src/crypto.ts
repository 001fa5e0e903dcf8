import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  diffieHellman,
  hkdfSync,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto'
import type { Rng } from '@dolly/base'
import { HANDSHAKE_BODY_BYTES, LAYER_OVERHEAD_BYTES } from './cells.ts'
import { TunnelError } from './errors.ts'
import { createReplayWindow, type ReplayWindow } from './replay-window.ts'

/**
 * The circuit crypto (README "Crypto"): Tor's ntor handshake over X25519 (tor-spec §5.1.4, proposal
 * 216) authenticates each hop by its long-term X25519 key, as Tribler's CREATE/CREATED does with its
 * own DH; HKDF-SHA256 (RFC 5869) derives one AES-256-GCM key per direction; every layer carries an
 * explicit 64-bit counter that is the GCM nonce and feeds a replay window.
 */

/** An X25519 key pair: the hop's long-term key, or an initiator's ephemeral one. */
export interface X25519KeyPair {
  /** Raw 32-byte public key (RFC 7748 u-coordinate). */
  readonly publicKey: Uint8Array
  readonly privateKey: KeyObject
}

const KEY_BYTES = 32
const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex')
const SPKI_X25519 = Buffer.from('302a300506032b656e032100', 'hex')
const PROTOID = 'dolly-tunnels-ntor-x25519-sha256-1'
const T_MAC = Buffer.from(`${PROTOID}:mac`)
const T_KEY = Buffer.from(`${PROTOID}:key_extract`)
const T_VERIFY = Buffer.from(`${PROTOID}:verify`)
const M_EXPAND = Buffer.from(`${PROTOID}:key_expand`)

/** An X25519 key pair from 32 bytes of the Rng (key material only from the Rng, STYLE.md §1.2). */
export function generateX25519KeyPair(rng: Rng): X25519KeyPair {
  return x25519FromSecret(rng.bytes(KEY_BYTES))
}

/** The key pair of a 32-byte X25519 secret (clamped by X25519 itself). */
export function x25519FromSecret(secret: Uint8Array): X25519KeyPair {
  if (secret.length !== KEY_BYTES)
    throw handshakeError(`an X25519 secret is ${KEY_BYTES} bytes, got ${secret.length}`)
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_X25519, secret]),
    format: 'der',
    type: 'pkcs8',
  })
  const der = createPublicKey(privateKey).export({ format: 'der', type: 'spki' })
  return { privateKey, publicKey: new Uint8Array(der.subarray(SPKI_X25519.length)) }
}

function publicKeyObject(raw: Uint8Array): KeyObject {
  if (raw.length !== KEY_BYTES)
    throw handshakeError(`an X25519 public key is ${KEY_BYTES} bytes, got ${raw.length}`)
  return createPublicKey({ key: Buffer.concat([SPKI_X25519, raw]), format: 'der', type: 'spki' })
}

function handshakeError(message: string, cause?: unknown): TunnelError {
  return new TunnelError('TUNNEL_HANDSHAKE_FAILED', message, {}, cause === undefined ? undefined : { cause })
}

/** X25519 agreement; a low-order public key (all-zero output) is refused by OpenSSL and here. */
function exp(privateKey: KeyObject, publicRaw: Uint8Array): Buffer {
  try {
    return diffieHellman({ privateKey, publicKey: publicKeyObject(publicRaw) })
  } catch (err) {
    throw handshakeError('X25519 agreement failed: the peer sent a low-order or invalid point', err)
  }
}

const hmac = (key: Uint8Array, ...parts: Uint8Array[]): Buffer => {
  const h = createHmac('sha256', key)
  for (const p of parts) h.update(p)
  return h.digest()
}

/** Keys of one hop: forward (initiator → hop) and backward (hop → initiator), 32 bytes each. */
export interface HopKeys {
  readonly forwardKey: Uint8Array
  readonly backwardKey: Uint8Array
}

function derive(
  secretInput: Buffer,
  id: Buffer,
  b: Uint8Array,
  x: Uint8Array,
  y: Uint8Array,
): { keys: HopKeys; auth: Buffer } {
  const verify = hmac(T_VERIFY, secretInput)
  const auth = hmac(T_MAC, verify, id, b, y, x, Buffer.from(PROTOID), Buffer.from('Server'))
  const okm = Buffer.from(hkdfSync('sha256', secretInput, T_KEY, M_EXPAND, 2 * KEY_BYTES))
  return { keys: { forwardKey: okm.subarray(0, KEY_BYTES), backwardKey: okm.subarray(KEY_BYTES) }, auth }
}

/** The initiator's half of a handshake in flight: keep it until CREATED (or EXTENDED) comes back. */
export interface PendingHandshake {
  /** The CREATE body: B (the hop's long-term key, so a hop can tell which of its keys is meant) | X. */
  readonly create: Uint8Array
  /** Checks CREATED (Y | AUTH) and returns the hop's keys; TUNNEL_HANDSHAKE_FAILED if AUTH is wrong. */
  finish(created: Uint8Array): HopKeys
}

/** Starts a handshake with the hop `peerId` whose long-term public key is `hopPublicKey`. */
export function startHandshake(rng: Rng, peerId: string, hopPublicKey: Uint8Array): PendingHandshake {
  const eph = generateX25519KeyPair(rng)
  const id = Buffer.from(peerId, 'latin1')
  const b = Uint8Array.from(hopPublicKey)
  publicKeyObject(b)
  return {
    create: Buffer.concat([b, eph.publicKey]),
    finish(created) {
      if (created.length !== HANDSHAKE_BODY_BYTES) throw handshakeError('CREATED body has the wrong size')
      const y = created.subarray(0, KEY_BYTES)
      const theirAuth = created.subarray(KEY_BYTES)
      const secretInput = Buffer.concat([
        exp(eph.privateKey, y),
        exp(eph.privateKey, b),
        id,
        b,
        eph.publicKey,
        y,
        Buffer.from(PROTOID),
      ])
      const { keys, auth } = derive(secretInput, id, b, eph.publicKey, y)
      if (!timingSafeEqual(auth, theirAuth)) {
        throw handshakeError(`hop ${peerId} failed to prove it holds the long-term key it advertised`)
      }
      return keys
    },
  }
}

/**
 * The hop's half: answers a CREATE body with a CREATED body and the keys. TUNNEL_HANDSHAKE_FAILED
 * when the CREATE names another long-term key or carries a low-order point.
 */
export function answerHandshake(
  rng: Rng,
  ownPeerId: string,
  own: X25519KeyPair,
  create: Uint8Array,
): { readonly created: Uint8Array; readonly keys: HopKeys } {
  if (create.length !== HANDSHAKE_BODY_BYTES) throw handshakeError('CREATE body has the wrong size')
  const b = create.subarray(0, KEY_BYTES)
  const x = create.subarray(KEY_BYTES)
  if (!timingSafeEqual(b, own.publicKey))
    throw handshakeError('CREATE names a long-term key this hop does not hold')
  const eph = generateX25519KeyPair(rng)
  const id = Buffer.from(ownPeerId, 'latin1')
  const secretInput = Buffer.concat([
    exp(eph.privateKey, x),
    exp(own.privateKey, x),
    id,
    b,
    x,
    eph.publicKey,
    Buffer.from(PROTOID),
  ])
  const { keys, auth } = derive(secretInput, id, b, x, eph.publicKey)
  return { created: Buffer.concat([eph.publicKey, auth]), keys }
}

/** Direction byte in the nonce, so the two keys' nonce spaces stay apart even if keys were ever equal. */
type Direction = 0 | 1
const FORWARD: Direction = 0
const BACKWARD: Direction = 1
const MAX_COUNTER = 2 ** 48

/** Seals layers in one direction with one key and a counter that only goes up. */
export interface LayerSealer {
  /** One layer: counter u64 | AES-256-GCM(kind | inner) | tag. `kind` 1 = for this hop, 0 = pass on. */
  seal(kind: 0 | 1, inner: Uint8Array | readonly Uint8Array[]): Uint8Array
  /**
   * `seal` without joining: the layer as chunks whose concatenation is what `seal` returns, the cipher
   * output of each part of `inner` as its own chunk (no copy of the cell). The first chunk starts
   * with `headroom` unset bytes before the layer, room for a frame header (`writeRelayHeader`).
   */
  sealParts(kind: 0 | 1, inner: Uint8Array | readonly Uint8Array[], headroom?: number): Uint8Array[]
}

/** Opens layers in one direction: authenticates, then checks and commits the counter. */
export interface LayerOpener {
  /** Throws TUNNEL_CELL_AUTH_FAILED, TUNNEL_CELL_REPLAYED, TUNNEL_CELL_OUT_OF_ORDER or TUNNEL_CELL_MALFORMED. */
  open(layer: Uint8Array): { readonly kind: 0 | 1; readonly inner: Uint8Array }
}

/** Writes the nonce of `counter` into `n` (12 bytes, direction byte already set) and returns it. */
function nonce(n: Buffer, counter: number): Buffer {
  n.writeUInt32BE(Math.floor(counter / 2 ** 32), 4)
  n.writeUInt32BE(counter >>> 0, 8)
  return n
}

/** A 12-byte nonce buffer of `direction`, reused per sealer or opener: createCipheriv copies the IV. */
function nonceBuffer(direction: Direction): Buffer {
  const n = Buffer.alloc(12)
  n[0] = direction
  return n
}

/** The layer kind bytes, allocated once (each seal encrypts one of them first). */
const KIND_BYTES = [Uint8Array.of(0), Uint8Array.of(1)] as const

// The key is wrapped in a KeyObject once: handing createCipheriv raw bytes re-imports the key on every
// cell, which measured 2–3× slower for 16 KiB cells (bench/tunnels, 2026-12).
function createSealer(rawKey: Uint8Array, direction: Direction): LayerSealer {
  const key = createSecretKey(rawKey)
  const n12 = nonceBuffer(direction)
  let counter = 0
  const sealer: LayerSealer = {
    seal(kind, inner) {
      return Buffer.concat(sealer.sealParts(kind, inner))
    },
    sealParts(kind, inner, headroom = 0) {
      if (counter >= MAX_COUNTER)
        throw new TunnelError('TUNNEL_CIRCUIT_EXPIRED', 'layer counter exhausted; build a new circuit')
      const n = nonce(n12, counter)
      const cipher = createCipheriv('aes-256-gcm', key, n)
      // head: headroom | counter u64 | the encrypted kind byte; then one chunk per part; then the tag.
      const head = Buffer.allocUnsafe(headroom + 9)
      n.copy(head, headroom, 4, 12)
      cipher.update(KIND_BYTES[kind]).copy(head, headroom + 8)
      const chunks: Uint8Array[] = [head]
      for (const part of inner instanceof Uint8Array ? [inner] : inner) {
        if (part.length > 0) chunks.push(cipher.update(part))
      }
      const rest = cipher.final()
      if (rest.length > 0) chunks.push(rest)
      chunks.push(cipher.getAuthTag())
      counter++
      return chunks
    },
  }
  return sealer
}

function createOpener(rawKey: Uint8Array, direction: Direction, window: ReplayWindow): LayerOpener {
  const key = createSecretKey(rawKey)
  const n12 = nonceBuffer(direction)
  return {
    open(layer) {
      if (layer.length < LAYER_OVERHEAD_BYTES) {
        throw new TunnelError(
          'TUNNEL_CELL_MALFORMED',
          `layer of ${layer.length} bytes is shorter than ${LAYER_OVERHEAD_BYTES}`,
        )
      }
      const buf = Buffer.from(layer.buffer, layer.byteOffset, layer.byteLength)
      const counter = buf.readUInt32BE(0) * 2 ** 32 + buf.readUInt32BE(4)
      window.check(counter)
      const decipher = createDecipheriv('aes-256-gcm', key, nonce(n12, counter))
      decipher.setAuthTag(buf.subarray(buf.length - 16))
      const body = decipher.update(buf.subarray(8, buf.length - 16))
      try {
        decipher.final()
      } catch (err) {
        throw new TunnelError(
          'TUNNEL_CELL_AUTH_FAILED',
          'a cell failed its AEAD check: a hop or the link altered it',
          { counter },
          { cause: err },
        )
      }
      window.commit(counter)
      const kind = body[0]
      if (kind !== 0 && kind !== 1)
        throw new TunnelError('TUNNEL_CELL_MALFORMED', `unknown layer kind ${kind}`)
      return { kind, inner: body.subarray(1) }
    },
  }
}

/** The layer crypto a hop keeps: opens forward cells, seals backward ones. */
export interface HopLayers {
  readonly forward: LayerOpener
  readonly backward: LayerSealer
}

/** The layer crypto the initiator keeps per hop: seals forward cells, opens backward ones. */
export interface InitiatorLayers {
  readonly forward: LayerSealer
  readonly backward: LayerOpener
}

/** A hop's layers from its keys; `replayWindow` 0 demands strict order (see `createReplayWindow`). */
export function hopLayers(keys: HopKeys, replayWindow: number): HopLayers {
  return {
    forward: createOpener(keys.forwardKey, FORWARD, createReplayWindow(replayWindow)),
    backward: createSealer(keys.backwardKey, BACKWARD),
  }
}

/** The initiator's layers for one hop from that hop's keys. */
export function initiatorLayers(keys: HopKeys, replayWindow: number): InitiatorLayers {
  return {
    forward: createSealer(keys.forwardKey, FORWARD),
    backward: createOpener(keys.backwardKey, BACKWARD, createReplayWindow(replayWindow)),
  }
}
