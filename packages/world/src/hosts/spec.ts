import { z } from 'zod'
import { HostsError } from './errors.ts'
import type { HostSpec } from './types.ts'

/** RFC 1123 hostname: dot-separated labels of letters, digits and inner hyphens; ≤ 253 characters. */
const HOSTNAME_RE =
  /^(?=.{1,253}$)[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/

const hostSpecSchema = z.strictObject({
  hostname: z.string().regex(HOSTNAME_RE, 'not an RFC 1123 hostname'),
  // Printable ASCII without ':' (the shadow field separator) so it survives every layer unchanged.
  rootPassword: z
    .string()
    .min(1)
    .max(512)
    .regex(/^[\x20-\x39\x3b-\x7e]+$/, 'printable ASCII without ":" expected'),
  bandwidthMbit: z.number().int().min(1).max(100_000).optional(),
  contentLink: z.boolean().optional(),
})

/** Validates a host spec from a provider; throws `WORLD_HOSTS_INVALID_SPEC` with the zod issues. */
export function parseHostSpec(input: unknown): HostSpec {
  const result = hostSpecSchema.safeParse(input)
  if (!result.success) {
    const issues = result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }))
    throw new HostsError(
      'WORLD_HOSTS_INVALID_SPEC',
      `invalid host spec: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      {
        issues,
      },
    )
  }
  const { hostname, rootPassword, bandwidthMbit, contentLink } = result.data
  return {
    hostname,
    rootPassword,
    ...(bandwidthMbit === undefined ? {} : { bandwidthMbit }),
    ...(contentLink === undefined ? {} : { contentLink }),
  }
}
