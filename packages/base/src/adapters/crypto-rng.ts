import { randomBytes, randomInt } from 'node:crypto'
import { checkIntBound, type Rng } from '../rng.ts'

/** The OS CSPRNG: the only Rng fit for key material. */
export function createCryptoRng(): Rng {
  return {
    seeded: false,
    bytes: (n) => new Uint8Array(randomBytes(n)),
    float() {
      const b = randomBytes(7)
      // 53 random bits: 5 bits of b[0] and 48 bits of b[1..6].
      const hi = (b[0] ?? 0) & 0x1f
      const lo = b.readUIntBE(1, 6)
      return (hi * 2 ** 48 + lo) / 2 ** 53
    },
    int(maxExclusive) {
      checkIntBound(maxExclusive)
      return randomInt(maxExclusive)
    },
  }
}
