/**
 * What the provisioner writes to its state directory before it creates anything, so that
 * `cleanupLeftovers` can remove a crashed world's namespaces, links and layers (our own wire format:
 * unknown keys are rejected).
 */
import { z } from 'zod'
import { HostsError } from './errors.ts'

const networkRecordSchema = z.strictObject({
  kind: z.literal('network'),
  version: z.literal(1),
  index: z.number().int().min(1).max(254),
  bridge: z.string().regex(/^dollybr\d{1,3}$/),
})

const hostRecordSchema = z
  .strictObject({
    kind: z.literal('host'),
    version: z.literal(1),
    id: z.string().regex(/^dolly\d{1,3}h\d{1,3}$/),
    netns: z.string().regex(/^dolly\d{1,3}h\d{1,3}$/),
    vethHost: z.string().regex(/^dv\d{1,3}h\d{1,3}$/),
    ip: z.string().regex(/^10\.77\.\d{1,3}\.\d{1,3}$/),
    hostname: z.string().min(1).max(253),
    layerDir: z.string().startsWith('/'),
  })
  // Cleanup deletes layerDir recursively: it must be this host's own directory under host-layers/.
  .refine(
    (r) => r.layerDir.endsWith(`/host-layers/${r.id}`) && !r.layerDir.includes('/../') && r.netns === r.id,
    {
      message: 'layerDir must be <stateDir>/host-layers/<id> and netns must equal id',
    },
  )

/** Record of a claimed network (bridge). */
export type NetworkRecord = z.infer<typeof networkRecordSchema>

/** Record of a host: everything its teardown must remove. */
export type HostRecord = z.infer<typeof hostRecordSchema>

function parseWith<T>(schema: z.ZodType<T>, input: unknown, what: string): T {
  const result = schema.safeParse(input)
  if (!result.success) {
    throw new HostsError(
      'WORLD_HOSTS_RECORD_MALFORMED',
      `${what} record is malformed: ${result.error.message}`,
      {
        issues: result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      },
    )
  }
  return result.data
}

/** Parses a network record read from disk; throws `WORLD_HOSTS_RECORD_MALFORMED`. */
export function parseNetworkRecord(input: unknown): NetworkRecord {
  return parseWith(networkRecordSchema, input, 'network')
}

/** Parses a host record read from disk; throws `WORLD_HOSTS_RECORD_MALFORMED`. */
export function parseHostRecord(input: unknown): HostRecord {
  return parseWith(hostRecordSchema, input, 'host')
}
