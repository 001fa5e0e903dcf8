import { bytesToHex, type BlockSigner, type Clock, type SignatureVerifier } from '@dolly/base'

/**
 * Family-wide free-rider bound (issue 16, stretch): a hop that cut an initiator for not paying
 * (TUNNEL_UNPAID) signs an "unpaid debt" record — who owes, how many bytes, when — with its identity
 * key; other agents that receive it (gossip) and verify the signature refuse that initiator at
 * admission (`createTunnelAdmission`'s `debtOf`). Without it a `--no-pay` user gets one unpaid cap
 * per hop it reaches (96.9 MiB over 8 agents in the world); with it, one cap per hop that cut it before
 * its record spread. Pure: records, signing and the book; carrying records between agents is the
 * overlay's job (not wired yet).
 */

/** One hop's claim that `debtor` (a tunnel peer id) left `unpaidBytes` unpaid when cut at `atMs`. */
export interface UnpaidDebt {
  readonly debtor: string
  readonly unpaidBytes: bigint
  readonly atMs: number
}

/** A debt signed by its creditor (the hop that cut; `creditorKey` its raw Ed25519 identity key). */
export interface SignedDebt extends UnpaidDebt {
  readonly creditorKey: Uint8Array
  readonly signature: Uint8Array
}

/** Domain separation: a debt signature can never be mistaken for a block or another record. */
const DOMAIN = new TextEncoder().encode('dolly/tunnel-debt/1\n')
/** Longest peer id a record names, bytes (a libp2p Ed25519 peer id is 52). */
const MAX_DEBTOR_BYTES = 128
const DEBTOR_PATTERN = /^[A-Za-z0-9]+$/
const MAX_U64 = (1n << 64n) - 1n

/** The signed message: domain ‖ creditor key (32) ‖ debtor length u8 ‖ debtor ‖ unpaid u64 ‖ atMs u64. */
export function debtMessage(debt: UnpaidDebt, creditorKey: Uint8Array): Uint8Array {
  const debtor = new TextEncoder().encode(debt.debtor)
  const out = new Uint8Array(DOMAIN.length + creditorKey.length + 1 + debtor.length + 16)
  const view = new DataView(out.buffer)
  let at = 0
  out.set(DOMAIN, at)
  at += DOMAIN.length
  out.set(creditorKey, at)
  at += creditorKey.length
  out[at++] = debtor.length
  out.set(debtor, at)
  at += debtor.length
  view.setBigUint64(at, debt.unpaidBytes)
  view.setBigUint64(at + 8, BigInt(debt.atMs))
  return out
}

/** Signs `debt` as its creditor. */
export function signDebt(signer: BlockSigner, debt: UnpaidDebt): SignedDebt {
  return {
    ...debt,
    creditorKey: signer.publicKey,
    signature: signer.sign(debtMessage(debt, signer.publicKey)),
  }
}

/** Options of a debt book. */
export interface DebtBookOptions {
  /** A record counts this long after its `atMs`, ms; default 1 h (a circuit's longest life). */
  readonly ttlMs?: number
  /** Debtors remembered; the one recorded longest ago goes first. Default 10,000. */
  readonly maxDebtors?: number
  /** How far in the future a record's time may lie (clock skew), ms; default 60 s. */
  readonly maxSkewMs?: number
}

/** Why `add` refused a record (`accepted` otherwise). */
export type DebtVerdict = 'accepted' | 'malformed' | 'bad-signature' | 'expired' | 'future' | 'stale'

/** The debts an agent knows of, at most one record per (debtor, creditor): the newest. */
export interface DebtBook {
  /** Verifies and records `debt`. */
  add(debt: SignedDebt): DebtVerdict
  /** Unpaid bytes `debtor` owes over all creditors, unexpired records only. */
  owed(debtor: string): bigint
  /** Debtors recorded now. */
  size(): number
}

/** Builds a book that verifies records with `verifier` and ages them on `clock`. */
export function createDebtBook(
  deps: { readonly clock: Clock; readonly verifier: SignatureVerifier },
  options: DebtBookOptions = {},
): DebtBook {
  const ttlMs = options.ttlMs ?? 3_600_000
  const maxDebtors = options.maxDebtors ?? 10_000
  const maxSkewMs = options.maxSkewMs ?? 60_000
  /** debtor → creditor key (hex) → newest record. */
  const book = new Map<string, Map<string, { unpaid: bigint; atMs: number }>>()

  const wellFormed = (d: SignedDebt): boolean =>
    d.debtor.length > 0 &&
    d.debtor.length <= MAX_DEBTOR_BYTES &&
    DEBTOR_PATTERN.test(d.debtor) &&
    d.unpaidBytes > 0n &&
    d.unpaidBytes <= MAX_U64 &&
    Number.isSafeInteger(d.atMs) &&
    d.atMs >= 0 &&
    d.creditorKey.length === 32 &&
    d.signature.length === 64

  return {
    add(d) {
      if (!wellFormed(d)) return 'malformed'
      const now = deps.clock.nowMs()
      if (d.atMs > now + maxSkewMs) return 'future'
      if (now - d.atMs >= ttlMs) return 'expired'
      if (!deps.verifier.verify(d.creditorKey, debtMessage(d, d.creditorKey), d.signature))
        return 'bad-signature'
      const creditor = bytesToHex(d.creditorKey)
      const records = book.get(d.debtor) ?? new Map<string, { unpaid: bigint; atMs: number }>()
      const known = records.get(creditor)
      if (known !== undefined && known.atMs >= d.atMs) return 'stale'
      records.set(creditor, { unpaid: d.unpaidBytes, atMs: d.atMs })
      // Most recently recorded debtor last: the oldest goes first when the book is full.
      book.delete(d.debtor)
      book.set(d.debtor, records)
      while (book.size > maxDebtors) book.delete(book.keys().next().value as string)
      return 'accepted'
    },
    owed(debtor) {
      const records = book.get(debtor)
      if (records === undefined) return 0n
      const now = deps.clock.nowMs()
      let sum = 0n
      for (const [creditor, r] of records) {
        if (now - r.atMs >= ttlMs) records.delete(creditor)
        else sum += r.unpaid
      }
      if (records.size === 0) book.delete(debtor)
      return sum
    },
    size: () => book.size,
  }
}
