import { createSeededRng, errorCode } from '@dolly/base'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  answerHandshake,
  generateX25519KeyPair,
  hopLayers,
  initiatorLayers,
  startHandshake,
  x25519FromSecret,
} from './crypto.ts'
import { createReplayWindow } from './replay-window.ts'
import { LAYER_OVERHEAD_BYTES } from './cells.ts'

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f()
  } catch (err) {
    return errorCode(err)
  }
  return undefined
}

describe('X25519 keys', () => {
  it('derives the RFC 7748 §6.1 public key of Alice', () => {
    // RFC 7748 §6.1: Alice's private key and public key, verbatim.
    const alice = x25519FromSecret(
      Buffer.from('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a', 'hex'),
    )
    expect(Buffer.from(alice.publicKey).toString('hex')).toBe(
      '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a',
    )
  })
})

describe('ntor handshake', () => {
  const rng = createSeededRng('crypto-test')
  const hop = generateX25519KeyPair(rng)

  it('gives both ends the same keys per direction, and different keys per direction', () => {
    const pending = startHandshake(rng, 'hop-1', hop.publicKey)
    const answer = answerHandshake(rng, 'hop-1', hop, pending.create)
    const keys = pending.finish(answer.created)
    expect(Buffer.from(keys.forwardKey).equals(Buffer.from(answer.keys.forwardKey))).toBe(true)
    expect(Buffer.from(keys.backwardKey).equals(Buffer.from(answer.keys.backwardKey))).toBe(true)
    expect(Buffer.from(keys.forwardKey).equals(Buffer.from(keys.backwardKey))).toBe(false)
  })

  it('fails when the hop does not hold the advertised key', () => {
    const impostor = generateX25519KeyPair(rng)
    const pending = startHandshake(rng, 'hop-1', hop.publicKey)
    // The impostor answers as if it held B: it cannot, so it either refuses or its AUTH is wrong.
    expect(codeOf(() => answerHandshake(rng, 'hop-1', impostor, pending.create))).toBe(
      'TUNNEL_HANDSHAKE_FAILED',
    )
    const forged = Buffer.from(pending.create)
    forged.set(impostor.publicKey, 0)
    const answer = answerHandshake(rng, 'hop-1', impostor, forged)
    expect(codeOf(() => pending.finish(answer.created))).toBe('TUNNEL_HANDSHAKE_FAILED')
  })

  it('binds the hop identity: the right key under another peer id fails', () => {
    const pending = startHandshake(rng, 'hop-1', hop.publicKey)
    const answer = answerHandshake(rng, 'hop-2', hop, pending.create)
    expect(codeOf(() => pending.finish(answer.created))).toBe('TUNNEL_HANDSHAKE_FAILED')
  })

  it('fails on any flipped bit of CREATED', () => {
    for (let bit = 0; bit < 512; bit += 37) {
      const pending = startHandshake(rng, 'hop-1', hop.publicKey)
      const created = Buffer.from(answerHandshake(rng, 'hop-1', hop, pending.create).created)
      created[bit >> 3] = (created[bit >> 3] ?? 0) ^ (1 << (bit & 7))
      expect(codeOf(() => pending.finish(created))).toBe('TUNNEL_HANDSHAKE_FAILED')
    }
  })

  it('refuses a low-order ephemeral point', () => {
    const create = Buffer.concat([hop.publicKey, new Uint8Array(32)])
    expect(codeOf(() => answerHandshake(rng, 'hop-1', hop, create))).toBe('TUNNEL_HANDSHAKE_FAILED')
  })
})

describe('onion layers', () => {
  const rng = createSeededRng('layers')
  const pair = (window = 0): { i: ReturnType<typeof initiatorLayers>; h: ReturnType<typeof hopLayers> } => {
    const hop = generateX25519KeyPair(rng)
    const pending = startHandshake(rng, 'h', hop.publicKey)
    const answer = answerHandshake(rng, 'h', hop, pending.create)
    return { i: initiatorLayers(pending.finish(answer.created), window), h: hopLayers(answer.keys, window) }
  }

  it('round-trips forward and backward', () => {
    const { i, h } = pair()
    const f = h.forward.open(i.forward.seal(1, Buffer.from('hello')))
    expect(f.kind).toBe(1)
    expect(Buffer.from(f.inner).toString()).toBe('hello')
    const b = i.backward.open(h.backward.seal(0, Buffer.from('world')))
    expect(b.kind).toBe(0)
    expect(Buffer.from(b.inner).toString()).toBe('world')
  })

  it('fails closed on every flipped bit of a sealed layer', () => {
    const { i, h } = pair(64)
    const sealed = Buffer.from(i.forward.seal(1, Buffer.from('payload of one cell')))
    for (let bit = 0; bit < sealed.length * 8; bit++) {
      const t = Buffer.from(sealed)
      t[bit >> 3] = (t[bit >> 3] ?? 0) ^ (1 << (bit & 7))
      // Flips in the counter either leave the window (replayed / out of order) or break the nonce (auth).
      expect(['TUNNEL_CELL_AUTH_FAILED', 'TUNNEL_CELL_REPLAYED', 'TUNNEL_CELL_OUT_OF_ORDER']).toContain(
        codeOf(() => h.forward.open(t)),
      )
    }
    expect(Buffer.from(h.forward.open(sealed).inner).toString()).toBe('payload of one cell')
  })

  it('seals parts and chunks exactly as one buffer: same bytes, same counter sequence', () => {
    const a = pair()
    const b = pair()
    // Parts in, chunks out (the data chunk is the cipher output, not a copy), and the hop opens the
    // concatenation as one layer.
    const header = Buffer.from([5, 0, 0, 0, 9])
    const data = Buffer.alloc(70_000, 0x3c)
    const chunks = a.i.forward.sealParts(1, [header, data], 5)
    expect(chunks.length).toBeGreaterThan(2)
    expect(chunks[chunks.length - 2]?.length).toBe(data.length)
    const layer = Buffer.concat(chunks).subarray(5)
    expect(layer.length).toBe(LAYER_OVERHEAD_BYTES + header.length + data.length)
    const opened = a.h.forward.open(layer)
    expect(opened.kind).toBe(1)
    // Buffer.equals, not toEqual: a deep compare of 70 KB element by element took > 5 s on a loaded machine.
    expect(Buffer.from(opened.inner).equals(Buffer.concat([header, data]))).toBe(true)
    // seal of the joined parts and sealParts of the parts continue one counter sequence.
    const next = a.h.forward.open(a.i.forward.seal(0, Buffer.concat([header, data])))
    expect(Buffer.from(next.inner).equals(Buffer.concat([header, data]))).toBe(true)
    // A chunked layer is authenticated like any other: a flipped bit in the data chunk fails closed.
    const tampered = b.i.forward.sealParts(1, [header, data])
    const flip = Buffer.concat(tampered)
    flip[40] = (flip[40] ?? 0) ^ 1
    expect(codeOf(() => b.h.forward.open(flip))).toBe('TUNNEL_CELL_AUTH_FAILED')
  })

  it('uses a direction-bound key: a backward layer does not open as forward', () => {
    const { i, h } = pair()
    expect(codeOf(() => h.forward.open(h.backward.seal(1, Buffer.from('x'))))).toBe('TUNNEL_CELL_AUTH_FAILED')
    expect(i.forward.seal(1, Buffer.from('x')).length).toBe(25 + 1)
  })

  it('in strict order refuses a replayed cell and a skipped one', () => {
    const { i, h } = pair(0)
    const c0 = i.forward.seal(1, Buffer.from('0'))
    const c1 = i.forward.seal(1, Buffer.from('1'))
    const c2 = i.forward.seal(1, Buffer.from('2'))
    h.forward.open(c0)
    expect(codeOf(() => h.forward.open(c0))).toBe('TUNNEL_CELL_REPLAYED')
    expect(codeOf(() => h.forward.open(c2))).toBe('TUNNEL_CELL_OUT_OF_ORDER')
    expect(Buffer.from(h.forward.open(c1).inner).toString()).toBe('1')
  })

  it('a forged cell does not move the window: the genuine one still opens', () => {
    const { i, h } = pair(0)
    const genuine = Buffer.from(i.forward.seal(1, Buffer.from('real')))
    const forged = Buffer.from(genuine)
    forged[genuine.length - 1] = (forged[genuine.length - 1] ?? 0) ^ 1
    expect(codeOf(() => h.forward.open(forged))).toBe('TUNNEL_CELL_AUTH_FAILED')
    expect(Buffer.from(h.forward.open(genuine).inner).toString()).toBe('real')
  })
})

describe('replay window', () => {
  it('with a window accepts reordering inside it, never a duplicate, never older than it', () => {
    const w = createReplayWindow(8)
    for (const c of [0, 2, 1, 5, 3]) {
      w.check(c)
      w.commit(c)
    }
    expect(codeOf(() => w.check(2))).toBe('TUNNEL_CELL_REPLAYED')
    w.check(4)
    w.commit(20)
    expect(codeOf(() => w.check(12))).toBe('TUNNEL_CELL_REPLAYED')
    w.check(13)
  })

  it('accepts each counter at most once, whatever the arrival order (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 64 }),
        fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 400 }),
        (size, arrivals) => {
          const w = createReplayWindow(size)
          const accepted = new Set<number>()
          for (const c of arrivals) {
            if (codeOf(() => w.check(c)) === undefined) {
              expect(accepted.has(c)).toBe(false)
              accepted.add(c)
              w.commit(c)
            }
          }
        },
      ),
    )
  })

  it('refuses a window size outside 0..4096', () => {
    expect(codeOf(() => createReplayWindow(-1))).toBe('BASE_INVALID_OPTION')
    expect(codeOf(() => createReplayWindow(4097))).toBe('BASE_INVALID_OPTION')
  })
})
