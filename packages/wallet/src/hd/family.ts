import { z } from 'zod'
import { FAMILY_PURPOSE_INDEX } from '../constants.ts'
import { WalletError } from '../errors.ts'
import { NETWORK_NAMES, networkParams, type NetworkName, type NetworkParams } from '../network.ts'
import { memoDerived, parseExtendedKey, type HdNode } from './keys.ts'

/**
 * The family key tree (DESIGN.md §4): child i's wallet root is root/FAMILY'/i', a hardened step, so an
 * ancestor (holding the private root) derives every descendant's keys, while a child's keys reveal nothing
 * about its parent's: hardened derivation hashes the parent's private key into the child (BIP32
 * "Private parent key → private child key").
 */

/** Largest hardened child index BIP32 allows (2^31 − 1). */
export const MAX_CHILD_INDEX = 0x7fffffff

/** Key material handed to a child at birth: its own root, its place in the tree, its network. */
export interface ChildKeyMaterial {
  readonly format: 'dolly-child-key'
  readonly version: 1
  readonly network: NetworkName
  /** Family tree path, `parent.tree + "." + index` (AGENT.md §3.1). */
  readonly tree: string
  /** The child's BIP32 root, as an extended private key. Secret. */
  readonly rootXprv: string
}

const ChildKeyMaterialSchema = z
  .object({
    format: z.literal('dolly-child-key'),
    version: z.literal(1),
    network: z.enum(NETWORK_NAMES as [NetworkName, ...NetworkName[]]),
    tree: z.string().min(1).max(1000),
    rootXprv: z.string().min(100).max(120),
  })
  .strict()

/**
 * Child `index`'s root under `root`.
 *
 * @throws WalletError WALLET_CHILD_INDEX_INVALID, WALLET_KEY_MATERIAL_INVALID (a neutered root cannot derive children)
 */
export function deriveChildRoot(root: HdNode, index: number): HdNode {
  checkIndex(index)
  if (root.isNeutered()) {
    throw new WalletError(
      'WALLET_KEY_MATERIAL_INVALID',
      'a public-only key cannot derive a child wallet; load the private root',
      {},
    )
  }
  return memoDerived(root, `family/${index}`, () =>
    root.deriveHardened(FAMILY_PURPOSE_INDEX).deriveHardened(index),
  )
}

/**
 * A descendant's root from an ancestor's, given both tree paths ("genesis.2" is an ancestor of
 * "genesis.2.0.5").
 *
 * @throws WalletError WALLET_NOT_DESCENDANT when `descendantTree` is not below `ancestorTree`.
 */
export function deriveDescendantRoot(
  ancestorRoot: HdNode,
  ancestorTree: string,
  descendantTree: string,
): HdNode {
  if (!descendantTree.startsWith(`${ancestorTree}.`)) {
    throw new WalletError(
      'WALLET_NOT_DESCENDANT',
      `${descendantTree} is not a descendant of ${ancestorTree}; only ancestors can derive keys`,
      {
        ancestorTree,
        descendantTree,
      },
    )
  }
  const steps = descendantTree.slice(ancestorTree.length + 1).split('.')
  return steps.reduce((node, step) => deriveChildRoot(node, parseIndex(step, descendantTree)), ancestorRoot)
}

/** The child's tree path: `parentTree + "." + index`. */
export function childTree(parentTree: string, index: number): string {
  checkIndex(index)
  return `${parentTree}.${index}`
}

/** Packs child `index`'s key material for hand-over (secret: send only over the encrypted install channel). */
export function exportChildKey(
  root: HdNode,
  params: NetworkParams,
  parentTree: string,
  index: number,
): ChildKeyMaterial {
  return Object.freeze({
    format: 'dolly-child-key',
    version: 1,
    network: params.name,
    tree: childTree(parentTree, index),
    rootXprv: deriveChildRoot(root, index).toBase58(),
  })
}

/**
 * Parses handed-over key material (untrusted JSON) and loads its root.
 *
 * @throws WalletError WALLET_KEY_MATERIAL_INVALID
 */
export function importChildKey(input: unknown): {
  material: ChildKeyMaterial
  root: HdNode
  params: NetworkParams
} {
  const parsed = ChildKeyMaterialSchema.safeParse(input)
  if (!parsed.success) {
    throw new WalletError(
      'WALLET_KEY_MATERIAL_INVALID',
      `child key material is malformed: ${parsed.error.message}`,
      { issues: parsed.error.issues },
    )
  }
  const params = networkParams(parsed.data.network)
  const root = parseExtendedKey(parsed.data.rootXprv, params)
  if (root.isNeutered())
    throw new WalletError(
      'WALLET_KEY_MATERIAL_INVALID',
      'child key material holds a public key; a private root is required',
      {},
    )
  return { material: Object.freeze(parsed.data), root, params }
}

function parseIndex(step: string, tree: string): number {
  if (!/^\d{1,10}$/.test(step)) {
    throw new WalletError(
      'WALLET_CHILD_INDEX_INVALID',
      `tree path ${tree} has a non-numeric step ${JSON.stringify(step)}`,
      { tree, step },
    )
  }
  return Number(step)
}

function checkIndex(index: number): void {
  if (!Number.isSafeInteger(index) || index < 0 || index > MAX_CHILD_INDEX) {
    throw new WalletError(
      'WALLET_CHILD_INDEX_INVALID',
      `child index must be an integer in 0..${MAX_CHILD_INDEX}, got ${index}`,
      { index },
    )
  }
}
