import { BIP32Factory } from 'bip32'
import { createSeededRng } from '@dolly/base'
import { describe, expect, it } from 'vitest'
import { networkParams } from '../network.ts'
import { ecc, eccBackend, loadNativeEcc, loadWasmEcc, type Secp256k1 } from './ecc.ts'

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'))
const toHex = (b: Uint8Array | null): string | null => (b === null ? null : Buffer.from(b).toString('hex'))
const ORDER = 'fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141'
const ORDER_MINUS_1 = 'fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140'
const G = '0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798'

/** What a call gave: its result as hex (or a boolean), or that it threw. */
function outcome(f: () => Uint8Array | boolean | null): string {
  try {
    const r = f()
    return typeof r === 'boolean' ? String(r) : `ok:${toHex(r)}`
  } catch {
    return 'threw'
  }
}

const native = loadNativeEcc()
const wasm = loadWasmEcc()

describe('the wallet secp256k1 backends', () => {
  it('loads the native build on linux-x64 (the machine the agents and the simulator run on)', () => {
    if (process.platform === 'linux' && process.arch === 'x64') {
      expect(native).toBeDefined()
      expect(eccBackend).toBe('native')
    }
    expect(eccBackend).toBe(native === undefined ? 'wasm' : 'native')
    expect(ecc.isPoint(hex(G))).toBe(true)
  })

  // Both are libsecp256k1: every result, null and refusal must be the same, so a wallet's keys,
  // addresses and signatures (and a seeded simulation) do not depend on which one loaded.
  describe.runIf(native !== undefined)('native and WebAssembly agree byte for byte', () => {
    const n = native as Secp256k1
    const rng = createSeededRng('ecc-contract')
    const keys = Array.from({ length: 64 }, () => rng.bytes(32))

    it('keys, tweaks and signatures of 64 random private keys', () => {
      const differ: string[] = []
      let compared = 0
      for (const [i, d] of keys.entries()) {
        const t = keys[(i + 1) % keys.length] as Uint8Array
        const h = keys[(i + 7) % keys.length] as Uint8Array
        const e = keys[(i + 3) % keys.length] as Uint8Array
        const calls: [string, (b: Secp256k1) => Uint8Array | boolean | null][] = [
          ['isPrivate', (b) => b.isPrivate(d)],
          ['pointFromScalar', (b) => b.pointFromScalar(d)],
          ['pointFromScalar uncompressed', (b) => b.pointFromScalar(d, false)],
          ['pointAddScalar', (b) => b.pointAddScalar(b.pointFromScalar(d) as Uint8Array, t)],
          [
            'pointAddScalar of uncompressed',
            (b) => b.pointAddScalar(b.pointFromScalar(d, false) as Uint8Array, t),
          ],
          [
            'pointAddScalar to compressed',
            (b) => b.pointAddScalar(b.pointFromScalar(d, false) as Uint8Array, t, true),
          ],
          ['privateAdd', (b) => b.privateAdd(d, t)],
          ['sign', (b) => b.sign(h, d)],
          ['sign with extra entropy', (b) => b.sign(h, d, e)],
          ['verify', (b) => b.verify(h, b.pointFromScalar(d) as Uint8Array, b.sign(h, d))],
          ['verify another hash', (b) => b.verify(t, b.pointFromScalar(d) as Uint8Array, b.sign(h, d))],
        ]
        for (const [name, call] of calls) {
          const got = outcome(() => call(n))
          const want = outcome(() => call(wasm))
          if (got !== want) differ.push(`${name} #${i}: native ${got}, wasm ${want}`)
          compared++
        }
      }
      expect(differ).toEqual([])
      expect(compared).toBe(64 * 11)
    })

    it('edges: zero, the order, infinity, bad points and hashes, high S', () => {
      const d = keys[0] as Uint8Array
      const p = wasm.pointFromScalar(d) as Uint8Array
      const h = keys[1] as Uint8Array
      const sig = wasm.sign(h, d)
      // The same signature with S' = n - S: valid, but not low-S.
      const sHigh = (BigInt(`0x${ORDER}`) - BigInt(`0x${toHex(sig.subarray(32)) ?? ''}`))
        .toString(16)
        .padStart(64, '0')
      const high = Uint8Array.from([...sig.subarray(0, 32), ...hex(sHigh)])
      // d + t = n: the sum is zero / the point at infinity.
      const negD = (BigInt(`0x${ORDER}`) - BigInt(`0x${toHex(d) ?? ''}`)).toString(16).padStart(64, '0')
      const hybrid = Uint8Array.from([
        0x06 | ((wasm.pointFromScalar(d, false) as Uint8Array)[64] as number & 1),
        ...(wasm.pointFromScalar(d, false) as Uint8Array).subarray(1),
      ])
      const cases: [string, (b: Secp256k1) => Uint8Array | boolean | null][] = [
        ['isPrivate 0', (b) => b.isPrivate(new Uint8Array(32))],
        ['isPrivate n-1', (b) => b.isPrivate(hex(ORDER_MINUS_1))],
        ['isPrivate n', (b) => b.isPrivate(hex(ORDER))],
        ['isPrivate short', (b) => b.isPrivate(new Uint8Array(31).fill(1))],
        ['isPoint G', (b) => b.isPoint(hex(G))],
        [
          'isPoint off the curve',
          (b) => b.isPoint(hex('030000000000000000000000000000000000000000000000000000000000000005')),
        ],
        ['isPoint hybrid', (b) => b.isPoint(hybrid)],
        ['isPoint bad prefix', (b) => b.isPoint(Uint8Array.from([5, ...p.subarray(1)]))],
        ['pointFromScalar 0', (b) => b.pointFromScalar(new Uint8Array(32))],
        ['pointFromScalar n', (b) => b.pointFromScalar(hex(ORDER))],
        ['pointAddScalar to infinity', (b) => b.pointAddScalar(p, hex(negD))],
        ['pointAddScalar tweak n', (b) => b.pointAddScalar(p, hex(ORDER))],
        ['pointAddScalar tweak 0', (b) => b.pointAddScalar(p, new Uint8Array(32))],
        ['pointAddScalar bad point', (b) => b.pointAddScalar(Uint8Array.from([5, ...p.subarray(1)]), d)],
        ['privateAdd to zero', (b) => b.privateAdd(d, hex(negD))],
        ['privateAdd tweak n', (b) => b.privateAdd(d, hex(ORDER))],
        ['privateAdd tweak 0', (b) => b.privateAdd(d, new Uint8Array(32))],
        ['privateAdd n-1 + 2', (b) => b.privateAdd(hex(ORDER_MINUS_1), hex(`${'0'.repeat(63)}2`))],
        ['sign short hash', (b) => b.sign(h.subarray(1), d)],
        ['sign key 0', (b) => b.sign(h, new Uint8Array(32))],
        ['sign short extra entropy', (b) => b.sign(h, d, h.subarray(1))],
        ['verify high S', (b) => b.verify(h, p, high)],
        ['verify high S strict', (b) => b.verify(h, p, high, true)],
        ['verify low S strict', (b) => b.verify(h, p, sig, true)],
        [
          'verify zero r',
          (b) => b.verify(h, p, Uint8Array.from([...new Uint8Array(32), ...sig.subarray(32)])),
        ],
        ['verify s = n', (b) => b.verify(h, p, Uint8Array.from([...sig.subarray(0, 32), ...hex(ORDER)]))],
        ['verify short signature', (b) => b.verify(h, p, sig.subarray(1))],
        ['verify bad point', (b) => b.verify(h, Uint8Array.from([5, ...p.subarray(1)]), sig)],
      ]
      for (const [name, call] of cases)
        expect(
          outcome(() => call(n)),
          name,
        ).toBe(outcome(() => call(wasm)))
      // Not vacuous: the edges do reach nulls, refusals and a high-S signature that only non-strict accepts.
      expect(outcome(() => n.privateAdd(d, hex(negD)))).toBe('ok:null')
      expect(outcome(() => n.pointFromScalar(hex(ORDER)))).toBe('threw')
      expect([n.verify(h, p, high), n.verify(h, p, high, true)]).toEqual([true, false])
    })

    it('bip32 accepts the native backend and derives the same keys as with WebAssembly', () => {
      const params = networkParams('world')
      const seed = createSeededRng('ecc-bip32').bytes(64)
      const a = BIP32Factory(n).fromSeed(Buffer.from(seed), params.bitcoinjs)
      const b = BIP32Factory(wasm).fromSeed(Buffer.from(seed), params.bitcoinjs)
      for (const path of ["m/84'/1'/0'/0/0", "m/84'/1'/0'/1/7", "m/84'/1'/3'/0/59"]) {
        expect(a.derivePath(path).toBase58()).toBe(b.derivePath(path).toBase58())
        expect(a.derivePath(path).neutered().toBase58()).toBe(b.derivePath(path).neutered().toBase58())
      }
      // Public derivation (pointAddScalar) from the account xpub.
      const xa = a.derivePath("m/84'/1'/0'").neutered()
      const xb = b.derivePath("m/84'/1'/0'").neutered()
      for (let i = 0; i < 20; i++)
        expect(toHex(xa.derive(0).derive(i).publicKey)).toBe(toHex(xb.derive(0).derive(i).publicKey))
    })
  })
})
