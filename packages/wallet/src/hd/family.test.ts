import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { networkParams } from '../network.ts'
import { deriveChildRoot, deriveDescendantRoot, exportChildKey, importChildKey } from './family.ts'
import { deriveAccount, deriveAddress, mnemonicToRoot, parseExtendedKey } from './keys.ts'

const world = networkParams('world')
const genesis = mnemonicToRoot(
  'legal winner thank year wave sausage worth useful legal winner thank yellow',
  world,
)
const addressesOf = (root: ReturnType<typeof deriveChildRoot>) => {
  const account = deriveAccount(root, world)
  return [0, 1, 2].map((i) => deriveAddress(account, world, 0, i).address)
}

describe('family key tree', () => {
  it('lets an ancestor derive exactly the addresses a descendant derives from its handed-over key', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 2 ** 31 - 1 }), { minLength: 1, maxLength: 3 }),
        (path) => {
          // Each generation receives only its own exported key, as in a real hand-over.
          let root = genesis
          let tree = 'genesis'
          for (const index of path) {
            const material = exportChildKey(root, world, tree, index)
            const imported = importChildKey(JSON.parse(JSON.stringify(material)))
            root = imported.root
            tree = imported.material.tree
          }
          const fromAncestor = deriveDescendantRoot(genesis, 'genesis', tree)
          expect(addressesOf(fromAncestor)).toEqual(addressesOf(root))
        },
      ),
      { numRuns: 20 },
    )
  })

  it('gives different children different keys, and no child the parent’s', () => {
    const parent = addressesOf(genesis)
    const a = addressesOf(deriveChildRoot(genesis, 0))
    const b = addressesOf(deriveChildRoot(genesis, 1))
    expect(new Set([...parent, ...a, ...b]).size).toBe(9)
  })

  it('cannot derive children from a public key, so a child’s xpub never reaches its parent’s keys', () => {
    expect(() => deriveChildRoot(parseExtendedKey(genesis.neutered().toBase58(), world), 0)).toThrow(
      expect.objectContaining({ code: 'WALLET_KEY_MATERIAL_INVALID' }),
    )
  })

  it('refuses to derive a non-descendant or a bad index', () => {
    expect(() => deriveDescendantRoot(genesis, 'genesis.1', 'genesis.2.0')).toThrow(
      expect.objectContaining({ code: 'WALLET_NOT_DESCENDANT' }),
    )
    expect(() => deriveChildRoot(genesis, -1)).toThrow(
      expect.objectContaining({ code: 'WALLET_CHILD_INDEX_INVALID' }),
    )
    expect(() => deriveChildRoot(genesis, 2 ** 31)).toThrow(
      expect.objectContaining({ code: 'WALLET_CHILD_INDEX_INVALID' }),
    )
  })

  it('rejects malformed key material', () => {
    expect(() =>
      importChildKey({
        format: 'dolly-child-key',
        version: 1,
        network: 'world',
        tree: 'g.0',
        rootXprv: 'x'.repeat(111),
      }),
    ).toThrow(expect.objectContaining({ code: 'WALLET_KEY_MATERIAL_INVALID' }))
  })
})
