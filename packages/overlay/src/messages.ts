import { z } from 'zod'
import { MAX_ENTRIES_PER_KIND, MAX_ENTRIES_PER_MESSAGE, MAX_FRAME_BYTES } from './constants.ts'
import type { MessageType } from './envelope.ts'
import { ENTRY_KINDS } from './entry.ts'

const MAX_VIEW_ENTRIES = 32
const viewEntry = z.strictObject({ age: z.number().int().nonnegative().max(1_000_000), contact: z.unknown() })
const digestKey = z.string().regex(new RegExp(`^(${ENTRY_KINDS.join('|')})/[0-9a-f]{64}$`))
const digest = z
  .record(digestKey, z.number().int().nonnegative())
  .refine((d) => Object.keys(d).length <= ENTRY_KINDS.length * MAX_ENTRIES_PER_KIND, 'too many digest keys')

/** Strict body schema per message type (STYLE.md §1.6: our own wire formats reject unknown keys). */
export const BODY_SCHEMAS = {
  hello: z.strictObject({ contact: z.unknown() }),
  shuffle: z.strictObject({ entries: z.array(viewEntry).max(MAX_VIEW_ENTRIES) }),
  shuffle_reply: z.strictObject({ entries: z.array(viewEntry).max(MAX_VIEW_ENTRIES) }),
  digest: z.strictObject({ digest, contact: z.unknown().optional() }),
  entries: z.strictObject({
    entries: z.array(z.unknown()).max(MAX_ENTRIES_PER_MESSAGE),
    digest: digest.optional(),
  }),
  ping: z.strictObject({}),
  pong: z.strictObject({}),
  ack: z.strictObject({}),
  direct: z.strictObject({
    epk: z.string().regex(/^[0-9a-f]{64}$/),
    iv: z.string().regex(/^[0-9a-f]{24}$/),
    ct: z.base64().max(MAX_FRAME_BYTES),
  }),
} as const satisfies Record<MessageType, z.ZodType>

/** The parsed body of a message of type `T`. */
export type Body<T extends MessageType> = z.infer<(typeof BODY_SCHEMAS)[T]>

/** Parses `body` as the body of a `type` message; undefined when it does not match. */
export function parseBody<T extends MessageType>(type: T, body: unknown): Body<T> | undefined {
  const r = BODY_SCHEMAS[type].safeParse(body)
  return r.success ? (r.data as Body<T>) : undefined
}
