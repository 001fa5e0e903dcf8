import { z } from 'zod'
import { MAX_OFFER_NAME_CHARS } from '@dolly/learning'

/**
 * `agent.json` in the agent home: who this agent is in its family (tree path, parent, contacts) and
 * the index of its next child. Written by `setup`, read by `daemon`, `status` and `create-child`.
 * Our own format: unknown keys are rejected.
 */

const HEX32 = z.string().regex(/^[0-9a-f]{64}$/)
/**
 * A family-tree path (AGENT.md §6 "name"): the root's nick (`irc.nick`), then one `.<child index>` per
 * generation, e.g. `plebbot2930.0.1`; bounded to a 64-character nick and 200 generations.
 */
export const TreePathSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}(\.\d{1,10}){0,200}$/)
const TREE = TreePathSchema

/** How to reach another agent. */
export const ContactSchema = z.strictObject({
  publicKey: HEX32,
  tree: TREE,
  host: z.string().min(1).max(253),
  statusPort: z.number().int().min(1).max(65_535),
})

/** Another agent's address card. */
export type Contact = z.infer<typeof ContactSchema>

/** The schema of `agent.json`. */
export const AgentRecordSchema = z.strictObject({
  format: z.literal('dolly-agent'),
  version: z.literal(1),
  tree: TREE,
  parent: ContactSchema.nullable(),
  contacts: z.array(ContactSchema).max(1000),
  /** Index of the next child (AGENT.md §5.1 `child_index`). */
  childIndex: z.number().int().min(0).max(0x7fffffff),
  testnet: z.boolean(),
  exitNode: z.boolean(),
  createdAtMs: z.number().int().nonnegative(),
  /** A receive address of the parent's wallet, the heir when no child lives (AGENT.md §3.6); absent for a root. */
  parentAddress: z.string().min(14).max(128).optional(),
  /** World ms the server's lease ends, as its provider stated it to the parent; absent when bought by hand. */
  leaseEndMs: z.number().int().nonnegative().optional(),
  /** The offer this agent lives on (AGENT.md §5.1 `self_state`); absent when bought by hand. */
  selfState: z
    .strictObject({
      provider: z.string().min(1).max(MAX_OFFER_NAME_CHARS),
      option: z.string().min(1).max(MAX_OFFER_NAME_CHARS),
    })
    .optional(),
  /**
   * Sats the parent budgeted for this server (payload `purchase.priceSats`: the offer's price in sats,
   * gateway fee and the tick's fee reserve included); the reward's money invested. Absent when bought by hand.
   */
  selfPriceSats: z
    .string()
    .regex(/^\d{1,16}$/)
    .optional(),
})

/** The agent's family record. */
export type AgentRecord = z.infer<typeof AgentRecordSchema>

/** File name of the record in the agent home. */
export const AGENT_RECORD_FILE = 'agent.json'

/** The tree path of child `index` of `parentTree` (AGENT.md §6). */
export function childTreePath(parentTree: string, index: number): string {
  return `${parentTree}.${index}`
}

/** Validates a tree path (a nick, then dot-separated child indexes). */
export function isTreePath(text: string): boolean {
  return TREE.safeParse(text).success
}

/** Contacts a child inherits: the parent's own plus the parent itself, without duplicates (AGENT.md §6). */
export function inheritedContacts(parentContacts: readonly Contact[], parent: Contact): Contact[] {
  const out = parentContacts.filter((c) => c.publicKey !== parent.publicKey)
  return [...out, parent]
}
