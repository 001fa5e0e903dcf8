import { bytesEqual, bytesToHex } from '@dolly/base'
import type { LedgerStore } from '@dolly/ledger'
import type { JournalEntry, TradeTerms } from '@dolly/market'
import { satsPaidTo, type PaymentRecord } from '@dolly/wallet'
import { keyBytes, seqOfRef, transferBytes } from './ledger-tokens.ts'
import { tradePurpose } from './wallet-payer.ts'

/**
 * The trade audit (`plebnet market audit`): every trade in a home's journal checked against what the
 * ledger and the chain hold. The MB side of a trade is our countersigned proposals to the buyer (we
 * sell) or the seller's proposals we countersigned (we buy), each `block:<seq>` ref looked up in our
 * ledger store; the Bitcoin side is the outputs to the trade's address in the transactions the
 * journal names (we sell) or in every payment our wallet made to that address (we buy: a payment the
 * journal does not know would be a double payment). A completed trade must match its terms to the
 * byte and the satoshi; no trade may move more than its terms. Read-only: it opens nothing for
 * writing and can run beside the daemon.
 */

/** One audited trade; amounts in bytes and sats. */
export interface TradeAuditRow {
  readonly tradeId: string
  /** `mb`: we sold MB for sats; `btc`: we bought MB with sats. */
  readonly role: 'mb' | 'btc'
  /** The other trader's key, hex. */
  readonly counterparty: string
  readonly outcome: 'open' | 'completed' | 'aborted'
  /** The agreed amounts. */
  readonly termsMbBytes: bigint
  readonly termsSats: bigint
  /** MB moved as the journal says (our `pay-done` when we sell, our `received` when we buy). */
  readonly journalMbBytes: bigint
  /** MB moved as the ledger holds it: the refs' countersigned proposals. */
  readonly ledgerMbBytes: bigint
  /** Sats moved as the journal says (our `received` when we sell, our `pay-done` when we buy). */
  readonly journalSats: bigint
  /** Sats moved as the chain holds it: outputs to the trade's address. */
  readonly chainSats: bigint
  /** What does not match, in words; empty when the trade is consistent. */
  readonly problems: readonly string[]
}

/** What the audit reads. */
export interface TradeAuditSources {
  /** Our trader key (the identity's public key). */
  readonly ourKey: Uint8Array
  /** The trade journal's entries (`trades.jsonl`), in order. */
  readonly entries: readonly JournalEntry[]
  /** Our ledger store (`state.sqlite`). */
  readonly ledger: Pick<LedgerStore, 'get' | 'agreementsOf'>
  /** Our wallet's payments (`wallet.sqlite`). */
  readonly payments: readonly PaymentRecord[]
  /** A transaction's hex from the chain; undefined when the chain does not know it. */
  txHex(txid: string): Promise<string | undefined>
}

interface TradeEntries {
  terms?: TradeTerms
  address?: string
  closed?: Extract<JournalEntry, { kind: 'closed' }>
  paid: Extract<JournalEntry, { kind: 'pay-done' }>[]
  received: Extract<JournalEntry, { kind: 'received' }>[]
}

const sum = (xs: readonly bigint[]): bigint => xs.reduce((a, b) => a + b, 0n)

/** Audits every trade that opened (a trade only offered moved nothing), in journal order. */
export async function auditTrades(sources: TradeAuditSources): Promise<TradeAuditRow[]> {
  const trades = new Map<string, TradeEntries>()
  const of = (id: string): TradeEntries => {
    let t = trades.get(id)
    if (t === undefined) {
      t = { paid: [], received: [] }
      trades.set(id, t)
    }
    return t
  }
  for (const e of sources.entries) {
    if (e.kind === 'open') of(e.terms.tradeId).terms = e.terms
    else if (e.kind === 'address') of(e.tradeId).address = e.address
    else if (e.kind === 'pay-done') of(e.tradeId).paid.push(e)
    else if (e.kind === 'received') of(e.tradeId).received.push(e)
    else if (e.kind === 'closed') of(e.tradeId).closed = e
  }
  const ourHex = bytesToHex(sources.ourKey)
  const rows: TradeAuditRow[] = []
  for (const [tradeId, t] of trades) {
    if (t.terms === undefined) continue
    rows.push(await auditOne(sources, ourHex, tradeId, t.terms, t))
  }
  return rows
}

async function auditOne(
  sources: TradeAuditSources,
  ourHex: string,
  tradeId: string,
  terms: TradeTerms,
  t: TradeEntries,
): Promise<TradeAuditRow> {
  const problems: string[] = []
  const wePropose = terms.proposer === ourHex
  const counterparty = wePropose ? terms.responder : terms.proposer
  const role = (terms.mbSeller === 'proposer') === wePropose ? 'mb' : 'btc'
  const outcome = t.closed?.outcome ?? 'open'
  const their = keyBytes(counterparty)
  const mbEntries = role === 'mb' ? t.paid : t.received
  const satsEntries = role === 'mb' ? t.received : t.paid

  // MB: each ref is one countersigned proposal, from us to them (we sell) or from them to us.
  let ledgerMb = 0n
  const seenRefs = new Set<string>()
  for (const e of mbEntries) {
    if (seenRefs.has(e.ref)) {
      problems.push(`MB ref ${e.ref} journaled twice`)
      continue
    }
    seenRefs.add(e.ref)
    const seq = seqOfRef(e.ref)
    const [creator, payee] = role === 'mb' ? [sources.ourKey, their] : [their, sources.ourKey]
    const block = seq === undefined ? undefined : sources.ledger.get(creator, seq)
    const bytes = block === undefined ? undefined : transferBytes(block, payee)
    const signedBy = role === 'mb' ? their : sources.ourKey
    const countersigned =
      seq !== undefined &&
      sources.ledger.agreementsOf(creator, seq).some((a) => bytesEqual(a.publicKey, signedBy))
    if (bytes === undefined) problems.push(`MB ref ${e.ref}: no transfer to the payee in the ledger`)
    else if (!countersigned) problems.push(`MB ref ${e.ref}: the transfer is not countersigned`)
    else {
      ledgerMb += bytes
      if (bytes !== e.amount)
        problems.push(`MB ref ${e.ref}: ledger moves ${bytes} bytes, journal ${e.amount}`)
    }
  }

  // Sats: outputs to the trade's address.
  let chainSats = 0n
  const address = t.address
  const verifyTx = async (txid: string, journaled: bigint | undefined): Promise<void> => {
    if (address === undefined) return
    const hex = await sources.txHex(txid)
    const paid = hex === undefined ? 0n : satsPaidTo(hex, address)
    if (hex === undefined) problems.push(`tx ${txid} is not on the chain`)
    else if (paid === 0n) problems.push(`tx ${txid} pays nothing to the trade address ${address}`)
    chainSats += paid
    if (journaled !== undefined && hex !== undefined && paid !== journaled)
      problems.push(`tx ${txid} pays ${paid} sats to the trade address, journal ${journaled}`)
  }
  if (satsEntries.length > 0 && address === undefined) problems.push('sats journaled but no trade address')
  if (role === 'mb') {
    const txids = new Map<string, bigint>()
    for (const e of satsEntries) txids.set(e.ref, (txids.get(e.ref) ?? 0n) + e.amount)
    for (const [txid, amount] of txids) await verifyTx(txid, amount)
  } else {
    // Every live payment our wallet made to this trade's address: one per journaled pay-done.
    const live = sources.payments.filter(
      (p) => p.toAddress === address && p.purpose.startsWith(tradePurpose('')) && p.state !== 'failed',
    )
    const journaled = new Map(satsEntries.map((e) => [e.ref, e.amount]))
    for (const p of live) {
      if (!journaled.has(p.txid)) {
        // While a trade is open, a payment may be signed, not yet broadcast and not yet journaled as
        // done: it is in flight, not a mismatch (and not counted until it is journaled).
        if (outcome === 'open') continue
        problems.push(`wallet payment ${p.txid} (${p.amountSats} sats, ${p.purpose}) is not in the journal`)
      }
      await verifyTx(p.txid, journaled.get(p.txid))
    }
    for (const e of satsEntries)
      if (!live.some((p) => p.txid === e.ref))
        problems.push(`pay-done ${e.ref} is no live payment of our wallet`)
  }

  const journalMb = sum(mbEntries.map((e) => e.amount))
  const journalSats = sum(satsEntries.map((e) => e.amount))
  if (ledgerMb > terms.mbBytes) problems.push(`ledger moved ${ledgerMb} bytes, terms ${terms.mbBytes}`)
  if (chainSats > terms.sats) problems.push(`chain moved ${chainSats} sats, terms ${terms.sats}`)
  if (outcome === 'completed') {
    if (ledgerMb !== terms.mbBytes) problems.push(`completed with ${ledgerMb} of ${terms.mbBytes} bytes`)
    if (chainSats !== terms.sats) problems.push(`completed with ${chainSats} of ${terms.sats} sats`)
  }
  return {
    tradeId,
    role,
    counterparty,
    outcome,
    termsMbBytes: terms.mbBytes,
    termsSats: terms.sats,
    journalMbBytes: journalMb,
    ledgerMbBytes: ledgerMb,
    journalSats,
    chainSats,
    problems,
  }
}
