import { z } from 'zod'
import { ReplicationError } from './errors.ts'

/**
 * What the parent keeps about each child server it installs (its resume point): the pinned host
 * key, the child's index and tree path, and how far access hardening got. One record per server
 * address; a secret (it holds the new root password), so stored 0600.
 */
export const ChildRecordSchema = z.strictObject({
  format: z.literal('dolly-child-record'),
  version: z.literal(1),
  ip: z.string().min(1).max(64),
  index: z.number().int().min(0).max(0x7fffffff),
  tree: z.string().min(1).max(1000),
  /** OpenSSH SHA-256 fingerprint pinned at first contact; null before the first login. */
  fingerprint: z.string().max(100).nullable(),
  /** The parent's key is in root's authorized_keys and was used to log in. */
  keyInstalled: z.boolean(),
  /** The random root password set on the child (saved before it is set, so a crash never loses it). */
  rootPassword: z.string().max(200).nullable(),
  passwordLoginDisabled: z.boolean(),
  /** Version installed last, and when the child first answered with a heartbeat. */
  bundleId: z.string().max(100).nullable(),
  installedAtMs: z.number().int().nonnegative().nullable(),
})

/** The parent's record of one child server. */
export type ChildRecord = z.infer<typeof ChildRecordSchema>

/** Where the parent keeps its child records. */
export interface ChildRecordStore {
  load(ip: string): Promise<ChildRecord | undefined>
  /** Replaces the record atomically. */
  save(record: ChildRecord): Promise<void>
}

/** A record for a server the parent has never logged into. */
export function newChildRecord(ip: string, index: number, tree: string): ChildRecord {
  return {
    format: 'dolly-child-record',
    version: 1,
    ip,
    index,
    tree,
    fingerprint: null,
    keyInstalled: false,
    rootPassword: null,
    passwordLoginDisabled: false,
    bundleId: null,
    installedAtMs: null,
  }
}

/**
 * Parses a stored record.
 *
 * @throws ReplicationError REPLICATION_STATE_MALFORMED
 */
export function parseChildRecord(input: unknown, where: string): ChildRecord {
  const parsed = ChildRecordSchema.safeParse(input)
  if (!parsed.success) {
    throw new ReplicationError(
      'REPLICATION_STATE_MALFORMED',
      `${where} is not a child record: ${parsed.error.message}; restore it from a backup or remove it to start over`,
      { where },
    )
  }
  return parsed.data
}
