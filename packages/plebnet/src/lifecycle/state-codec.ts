import { z } from 'zod'
import { MAX_OFFER_NAME_CHARS, hasProtoKey } from '@dolly/learning'
import { LifecycleError } from './errors.ts'
import type { LifecycleState } from './state.ts'

/** The lifecycle state's JSON form (bigints as decimal strings); our own format, so unknown keys are refused. */
const SatsSchema = z.string().regex(/^\d{1,16}$/)

const VpnSchema = z.strictObject({
  provider: z.string().min(1).max(MAX_OFFER_NAME_CHARS),
  option: z.string().min(1).max(MAX_OFFER_NAME_CHARS),
  priceSats: SatsSchema,
  stage: z.enum(['planned', 'buying', 'paid', 'ready', 'failed']),
  purchaseId: z.string().max(200).nullable(),
  txid: z.string().max(200).nullable(),
  sinceMs: z.number().finite(),
  polls: z.number().int().min(0),
  error: z.string().max(500).nullable(),
})

const ItemSchema = z.strictObject({
  id: z.string().regex(/^p\d{1,9}$/),
  provider: z.string().min(1).max(MAX_OFFER_NAME_CHARS),
  option: z.string().min(1).max(MAX_OFFER_NAME_CHARS),
  priceSats: SatsSchema,
  stage: z.enum(['buying', 'bought', 'installing', 'installed', 'dowered', 'failed']),
  purchaseId: z.string().max(200).nullable(),
  txid: z.string().max(200).nullable(),
  ip: z.string().max(64).nullable(),
  /** Absent in states written before the provider's lease end was read. */
  leaseEndMs: z.number().finite().nullable().default(null),
  childTree: z.string().max(1000).nullable(),
  childIndex: z.number().int().min(0).nullable(),
  attempts: z.number().int().min(0),
  nextTryMs: z.number().finite(),
  sinceMs: z.number().finite(),
  /** Absent when no VPN goes with the server, and in states written before VPNs were bought. */
  vpn: VpnSchema.optional(),
})

const StateSchema = z.strictObject({
  version: z.literal(1),
  birthMs: z.number().finite(),
  expirationMs: z.number().finite(),
  items: z.array(ItemSchema).max(100_000),
  excludedProviders: z.array(z.string().max(MAX_OFFER_NAME_CHARS)).max(1000),
  providerFailures: z.record(z.string().max(MAX_OFFER_NAME_CHARS), z.number().int().min(0)),
  heirPaid: z.boolean(),
  /** Absent in states written before repeated hand-overs. */
  heirSweeps: z.number().int().min(0).default(0),
  handOverFloorSats: SatsSchema.default('0'),
  events: z.array(
    z.strictObject({ atMs: z.number().finite(), kind: z.string().max(64), text: z.string().max(2000) }),
  ),
})

/** The JSON form of a lifecycle state. */
export function serializeLifecycle(state: LifecycleState): string {
  return JSON.stringify({
    ...state,
    handOverFloorSats: state.handOverFloorSats.toString(),
    items: state.items.map((i) => ({
      ...i,
      priceSats: i.priceSats.toString(),
      ...(i.vpn === undefined ? {} : { vpn: { ...i.vpn, priceSats: i.vpn.priceSats.toString() } }),
    })),
  })
}

/**
 * Parses a stored lifecycle state.
 *
 * @throws LifecycleError LIFECYCLE_STATE_MALFORMED
 */
export function parseLifecycle(text: string): LifecycleState {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new LifecycleError(
      'LIFECYCLE_STATE_MALFORMED',
      `lifecycle state is not JSON: ${String(err)}`,
      {},
      { cause: err },
    )
  }
  // zod drops a "__proto__" key of a record (providerFailures) silently: refuse it, as any unknown key.
  if (hasProtoKey(json)) {
    throw new LifecycleError(
      'LIFECYCLE_STATE_MALFORMED',
      'lifecycle state is malformed: it carries a "__proto__" key or nests too deep',
      {},
    )
  }
  const parsed = StateSchema.safeParse(json)
  if (!parsed.success) {
    throw new LifecycleError(
      'LIFECYCLE_STATE_MALFORMED',
      `lifecycle state is malformed: ${parsed.error.message}`,
      {
        issues: parsed.error.issues,
      },
    )
  }
  return {
    ...parsed.data,
    handOverFloorSats: BigInt(parsed.data.handOverFloorSats),
    items: parsed.data.items.map(({ vpn, ...i }) => ({
      ...i,
      priceSats: BigInt(i.priceSats),
      ...(vpn === undefined ? {} : { vpn: { ...vpn, priceSats: BigInt(vpn.priceSats) } }),
    })),
  }
}
