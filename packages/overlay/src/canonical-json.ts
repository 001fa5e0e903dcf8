/** A JSON value as it crosses the wire: data only, never a live object (STYLE.md §1.6). */
export type JsonValue =
  null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue }

/**
 * Canonical JSON: object keys sorted by UTF-16 code unit, no whitespace, numbers as JSON.stringify
 * writes them. Signatures cover these bytes, so signer and verifier agree whatever order a peer's
 * encoder used (the RFC 8785 idea, restricted to the finite numbers and plain strings we send).
 */
export function canonicalJson(value: unknown): string {
  // The native serializer with a key-sorting replacer: several times faster than a recursive
  // writer on 1,000-key digests, which dominate gossip CPU at N = 1,000 (bench/gossip profile).
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'number' && !Number.isFinite(v)) {
      // JSON has no NaN/Infinity; a signed value must round-trip exactly, so refuse instead of writing null.
      throw new RangeError(`canonical JSON cannot encode ${v}`)
    }
    if (typeof v === 'bigint' || typeof v === 'function' || typeof v === 'symbol')
      throw new RangeError(`canonical JSON cannot encode a ${typeof v}`)
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v
    // A null-prototype object, so a "__proto__" key stays an own key instead of setting a prototype.
    const sorted = Object.create(null) as Record<string, unknown>
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k]
    return sorted
  }) as string | undefined
  if (text === undefined) throw new RangeError(`canonical JSON cannot encode ${String(value)}`)
  return text
}

const encoder = new TextEncoder()

/** UTF-8 bytes of the canonical JSON of `value`, prefixed by a domain tag so a signature over one kind of message never verifies as another. */
export function signingBytes(domain: string, value: unknown): Uint8Array {
  return encoder.encode(`${domain}\n${canonicalJson(value)}`)
}
