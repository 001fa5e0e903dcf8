import { z } from 'zod'
import {
  MAX_OFFER_NAME_CHARS,
  inheritGenome,
  inheritQTable,
  parseGenome,
  serializeGenome,
  type Genome,
  parseQTable,
  serializeQTable,
  type QTable,
  type StrategyName,
  type RemoteEntry,
} from '@dolly/learning'
import type { Rng } from '@dolly/base'
import {
  ContactSchema,
  TreePathSchema,
  childTreePath,
  inheritedContacts,
  type Contact,
} from '../daemon/agent-record.ts'
import { ReplicationError } from './errors.ts'
import { sanitizeConfig } from './sanitize-config.ts'

/**
 * The child payload (AGENT.md §6): everything a parent hands its child, in one JSON document that
 * `create-child` copies to the child and the child's `setup` consumes. It holds the child's wallet
 * key, so it is a secret (0600). The child's identity is not in it: the child makes its own key pair.
 */

/** File name of the payload on the child (`<home>/child_payload/payload.json`) and under the parent's `child_payload/<N>/`. */
export const PAYLOAD_FILE = 'payload.json'

const PayloadSchema = z.strictObject({
  format: z.literal('dolly-child-payload'),
  version: z.literal(1),
  index: z.number().int().min(0).max(0x7fffffff),
  tree: TreePathSchema,
  parent: ContactSchema,
  contacts: z.array(ContactSchema).max(1000),
  /** The offer just bought, which becomes the child's `selfState`; null when bought by hand. */
  state: z
    .strictObject({
      provider: z.string().max(MAX_OFFER_NAME_CHARS),
      option: z.string().max(MAX_OFFER_NAME_CHARS),
    })
    .nullable(),
  /** Q-table wire form (learning/q-table-codec), or null when the parent has none yet. */
  qtable: z.unknown(),
  /** Genome wire form after mutation. */
  genome: z.unknown(),
  purchase: z
    .strictObject({
      txid: z.string().regex(/^[0-9a-f]{64}$/),
      provider: z.string().max(MAX_OFFER_NAME_CHARS),
      option: z.string().max(MAX_OFFER_NAME_CHARS),
      priceSats: z.string().regex(/^\d{1,16}$/),
      boughtAtS: z.number().int().nonnegative(),
    })
    .nullable(),
  /** The server's lease end (Unix s, the parent's clock) as its provider or operator stated it; null when unknown. */
  leaseEndS: z.number().int().nonnegative().nullable().default(null),
  /** A receive address of the parent's wallet, the child's heir of last resort (AGENT.md §3.6). */
  parentAddress: z.string().min(14).max(128).nullable().default(null),
  /** Sanitised `plebnet_setup.cfg` text. */
  config: z.string().max(1_000_000),
  /** Family-tree wallet key material (`@dolly/wallet` exportChildKey), or null without a parent wallet. */
  walletKey: z.unknown(),
  testnet: z.boolean(),
  exitNode: z.boolean(),
})

/** A parsed payload; `qtable` and `genome` are checked by their own codecs. */
export interface ChildPayload extends Omit<z.infer<typeof PayloadSchema>, 'qtable' | 'genome'> {
  readonly qtable: QTable | null
  readonly genome: Genome
}

/** What the parent knows when it builds the payload. */
export interface PayloadInput {
  readonly index: number
  readonly parentTree: string
  readonly parentContact: Contact
  readonly parentContacts: readonly Contact[]
  readonly parentGenome: Genome
  readonly parentQTable: QTable | null
  /**
   * The neighbours' gossiped tables the parent holds (`remote-qtables.json`); the family's are merged
   * into the child's table (`inheritQTable`). Default none.
   */
  readonly gossiped?: readonly RemoteEntry[]
  /** The parent's `plebnet_setup.cfg` text ('' when it has none). */
  readonly parentConfig: string
  /** Semver of the running build (a `pinned` child gets it). */
  readonly runningVersion: string
  readonly geneFlipP?: number
  readonly state: ChildPayload['state']
  readonly purchase: ChildPayload['purchase']
  /** A receive address of the parent's wallet (null when the parent has none). */
  readonly parentAddress?: string | null
  /** The server's lease end, Unix s (null when unknown). */
  readonly leaseEndS?: number | null
  /** `exportChildKey(...)` of the parent's wallet, or null. */
  readonly walletKey: unknown
  readonly testnet: boolean
  /** `-e` forces exit-node mode; otherwise the child's genome decides. */
  readonly exitNode?: boolean
  /** `--strategy` pins the child's sell strategy; otherwise inheritance decides. */
  readonly strategy?: StrategyName
}

/**
 * Builds child `index`'s payload: the genome mutated on inheritance, the parent's Q-table merged
 * with the family's gossiped ones, the tree path, the parent's
 * contacts plus the parent, and a config without the parent's secrets but with a fresh wallet
 * passphrase (drawn from `rng`, a CSPRNG outside tests).
 */
export function buildChildPayload(input: PayloadInput, rng: Rng): ChildPayload {
  const genome = inheritGenome(input.parentGenome, rng, {
    runningVersion: input.runningVersion,
    ...(input.geneFlipP === undefined ? {} : { geneFlipP: input.geneFlipP }),
  })
  const exitNode = input.exitNode ?? genome.exitNode
  const strategy =
    input.strategy === undefined ? genome.strategy : { ...genome.strategy, name: input.strategy }
  const walletPassword = Buffer.from(rng.bytes(24)).toString('base64url')
  return {
    format: 'dolly-child-payload',
    version: 1,
    index: input.index,
    tree: childTreePath(input.parentTree, input.index),
    parent: input.parentContact,
    contacts: inheritedContacts(input.parentContacts, input.parentContact),
    state: input.state,
    qtable: inheritQTable(input.parentQTable, input.gossiped ?? []),
    genome: { ...genome, exitNode, strategy },
    purchase: input.purchase,
    parentAddress: input.parentAddress ?? null,
    leaseEndS: input.leaseEndS ?? null,
    config: sanitizeConfig(input.parentConfig, walletPassword),
    walletKey: input.walletKey,
    testnet: input.testnet,
    exitNode,
  }
}

/** The JSON form of a payload. */
export function serializeChildPayload(payload: ChildPayload): Record<string, unknown> {
  return {
    ...payload,
    qtable: payload.qtable === null ? null : serializeQTable(payload.qtable),
    genome: serializeGenome(payload.genome),
  }
}

/**
 * Parses a payload (from disk; written by a parent).
 *
 * @throws ReplicationError REPLICATION_PAYLOAD_MALFORMED; DecisionError codes of the genome and Q-table codecs
 */
export function parseChildPayload(input: unknown): ChildPayload {
  const parsed = PayloadSchema.safeParse(input)
  if (!parsed.success) {
    throw new ReplicationError(
      'REPLICATION_PAYLOAD_MALFORMED',
      `child payload is malformed: ${parsed.error.message}; ask the parent to run create-child again`,
      { issues: parsed.error.issues },
    )
  }
  const data = parsed.data
  // The child's path is its parent's plus its index (AGENT.md §6); anything else would graft it
  // elsewhere in the family tree.
  if (data.tree !== childTreePath(data.parent.tree, data.index)) {
    throw new ReplicationError(
      'REPLICATION_PAYLOAD_MALFORMED',
      `child payload's tree ${JSON.stringify(data.tree)} is not the parent's ${data.parent.tree} plus index ${data.index}; ask the parent to run create-child again`,
      { tree: data.tree, parentTree: data.parent.tree, index: data.index },
    )
  }
  return {
    ...data,
    qtable: data.qtable === null || data.qtable === undefined ? null : parseQTable(data.qtable),
    genome: parseGenome(data.genome),
  }
}
