import { z } from 'zod'
import type { Rng } from '@dolly/base'
import { bytesToHex, hexToBytes, type SignatureVerifier } from '@dolly/base'
import { hasProtoKey } from '@dolly/learning'
import { signingBytes } from './canonical-json.ts'
import { MAX_FRAME_BYTES } from './constants.ts'
import type { NetworkErrorCode } from './errors.ts'
import type { ReplayGuard } from './replay-guard.ts'

/** Message types of the overlay (ALGORITHMS.md §11.4, plus the direct message and status probe). */
export const MESSAGE_TYPES = [
  'shuffle',
  'shuffle_reply',
  'digest',
  'entries',
  'ping',
  'pong',
  'hello',
  'direct',
  'ack',
] as const

/** One of MESSAGE_TYPES. */
export type MessageType = (typeof MESSAGE_TYPES)[number]

/** Lower-case hex of a raw Ed25519 public key: an agent's id on the overlay. */
export const NODE_ID_RE = /^[0-9a-f]{64}$/
const nodeId = z.string().regex(NODE_ID_RE)

const envelopeSchema = z.strictObject({
  v: z.literal(1),
  type: z.enum(MESSAGE_TYPES),
  from: nodeId,
  to: nodeId,
  ts: z.number().int().nonnegative(),
  nonce: z.string().regex(/^[0-9a-f]{32}$/),
  body: z.unknown(),
})
const wireSchema = z.strictObject({ env: envelopeSchema, sig: z.string().regex(/^[0-9a-f]{128}$/) })

/** The signed part of a message: who, to whom, when, which nonce, and the body (still unvalidated). */
export type Envelope = z.infer<typeof envelopeSchema>

/** What signs envelopes: the agent's identity. */
export interface EnvelopeSigner {
  /** Raw 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array
  /** Ed25519 signature over `data`. */
  sign(data: Uint8Array): Uint8Array
}

/** Domain tag of envelope signatures. */
const ENVELOPE_DOMAIN = 'dolly-envelope-v1'

/** Result of opening an envelope: the envelope, or the code it was rejected with. */
export type Opened =
  | { readonly ok: true; readonly envelope: Envelope }
  | { readonly ok: false; readonly code: NetworkErrorCode; readonly detail: string }

const encoder = new TextEncoder()
const EMPTY = new Uint8Array(0)
const decoder = new TextDecoder('utf-8', { fatal: true })

/** Signs and encodes one envelope to `to` (hex id) at `tsMs`, with a fresh 16-byte nonce from `rng`. */
export function sealEnvelope(
  signer: EnvelopeSigner,
  rng: Rng,
  message: { readonly type: MessageType; readonly to: string; readonly body: unknown },
  tsMs: number,
): Uint8Array {
  const env: Envelope = {
    v: 1,
    type: message.type,
    from: bytesToHex(signer.publicKey),
    to: message.to,
    ts: Math.floor(tsMs),
    nonce: bytesToHex(rng.bytes(16)),
    body: message.body,
  }
  const sig = bytesToHex(signer.sign(signingBytes(ENVELOPE_DOMAIN, env)))
  return encoder.encode(JSON.stringify({ env, sig }))
}

/** What opening checks an envelope against. */
export interface OpenContext {
  /** Our own id: an envelope to anyone else is refused (no reflection of captured messages). */
  readonly selfId: string
  readonly nowMs: number
  readonly verifier: SignatureVerifier
  readonly replay: ReplayGuard
  /** Size limit, bytes (default 1 MiB). */
  readonly maxBytes?: number
}

/**
 * Opens an envelope in the order cheapest check first: size, UTF-8, JSON, strict schema, recipient,
 * signature, and only then freshness, so a forged message cannot fill the replay cache. Never
 * throws on hostile input: every rejection is a code.
 */
export function openEnvelope(bytes: Uint8Array, ctx: OpenContext): Opened {
  const maxBytes = ctx.maxBytes ?? MAX_FRAME_BYTES
  if (bytes.byteLength > maxBytes)
    return reject('NETWORK_ENVELOPE_OVERSIZED', `${bytes.byteLength} bytes, limit ${maxBytes}`)
  let raw: unknown
  try {
    raw = JSON.parse(decoder.decode(bytes))
  } catch {
    return reject('NETWORK_ENVELOPE_MALFORMED', 'not UTF-8 JSON')
  }
  if (hasProtoKey(raw)) return reject('NETWORK_ENVELOPE_MALFORMED', 'carries a __proto__ key')
  const parsed = wireSchema.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    return reject(
      'NETWORK_ENVELOPE_MALFORMED',
      `${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`,
    )
  }
  const { env, sig } = parsed.data
  if (env.to !== ctx.selfId) return reject('NETWORK_WRONG_RECIPIENT', `addressed to ${env.to.slice(0, 16)}…`)
  let signed: Uint8Array
  try {
    signed = signingBytes(ENVELOPE_DOMAIN, env)
  } catch {
    return reject('NETWORK_ENVELOPE_MALFORMED', 'body is not canonical JSON')
  }
  if (!ctx.verifier.verify(hexToBytes(env.from) ?? EMPTY, signed, hexToBytes(sig) ?? EMPTY))
    return reject('NETWORK_SIGNATURE_BAD', `signature does not verify under ${env.from.slice(0, 16)}…`)
  const fresh = ctx.replay.admit(env.from, env.nonce, env.ts, ctx.nowMs)
  if (fresh !== 'ok') return reject(fresh, `ts ${env.ts}, now ${ctx.nowMs}`)
  return { ok: true, envelope: env }
}

function reject(code: NetworkErrorCode, detail: string): Opened {
  return { ok: false, code, detail }
}
