import { bytesEqual, hexToBytes, noCheckpoint, type AbortOptions, type Checkpoint } from '@dolly/base'
import {
  BANDWIDTH_TYPE,
  decodeBandwidthTx,
  type HalfBlock,
  type Ledger,
  type LedgerProtocol,
  type LedgerStore,
} from '@dolly/ledger'
import { MarketError, type TokenLedger } from '@dolly/market'
import { SettlementError } from './errors.ts'
import type { SettlementIndex } from './settlement-index.ts'

/** What the adapter needs of the agent's ledger (the daemon's `LedgerComponent` has all three). */
export interface LedgerAccess {
  ledger(): Ledger | undefined
  protocol(): LedgerProtocol | undefined
  store(): LedgerStore | undefined
}

/** Own blocks scanned after an intent's `afterSeq` for a proposal whose seq was not journaled. */
const MAX_SCAN_BLOCKS = 1_000
const REF = /^block:([1-9][0-9]{0,14})$/

/** Raw key of a trader's hex key (the engine only hands out keys it checked: 64 lower-case hex digits). */
export function keyBytes(hex: string): Uint8Array {
  const key = /^[0-9a-f]{64}$/.test(hex) ? hexToBytes(hex) : undefined
  if (key === undefined)
    throw new MarketError(
      'MARKET_TRADE_MALFORMED',
      `a trader key is 64 lower-case hex digits, got ${hex.slice(0, 80)}`,
      {},
    )
  return key
}

/** The transfer id of our proposal at `seq`: the payee finds it in its store under (our key, seq). */
export const transferRef = (seq: number): string => `block:${seq}`

/** Seq of a transfer id; undefined unless it is one. */
export function seqOfRef(ref: string): number | undefined {
  const m = REF.exec(ref)
  if (m?.[1] === undefined) return undefined
  const seq = Number(m[1])
  return Number.isSafeInteger(seq) ? seq : undefined
}

/** Bytes `block` moves from its creator to `payee`: a bandwidth proposal `{up: 0, down: bytes}` linked to it. */
export function transferBytes(block: HalfBlock, payee: Uint8Array): bigint | undefined {
  if (
    block.type !== BANDWIDTH_TYPE ||
    block.linkSequenceNumber !== 0 ||
    !bytesEqual(block.linkPublicKey, payee)
  )
    return undefined
  const tx = decodeBandwidthTx(block.transaction)
  if (tx === undefined || tx.up !== 0n || tx.down === 0n) return undefined
  return tx.down
}

/**
 * The market's {@link TokenLedger} over the agent's TrustChain ledger. A transfer is the ledger's
 * market transfer: our bandwidth proposal `{up: 0, down: bytes}` to the payee, countersigned through
 * the signing protocol (the payee's countersign policy must expect it: the settlement records the
 * expectation when it enters the trade). Its id is `block:<seq>` of our proposal.
 *
 * Idempotent per key across restarts through the settlement index: the key is journaled before the
 * proposal is signed and the proposal's seq right after, so a restart finds the proposal again
 * (by seq, or by scanning our blocks after the intent for an unclaimed proposal to that payee of that
 * amount when the crash fell between the two) and asks the payee to countersign that same proposal —
 * the payee's ledger answers a repeated proposal with its stored agreement, so nothing moves twice and
 * no second proposal ever debits us.
 */
export function createLedgerTokens(deps: {
  readonly ledger: LedgerAccess
  readonly index: SettlementIndex
  /** Fault injection (`transfer-countersigned`, TRADE_KILL_POINTS); default the no-op. */
  readonly checkpoint?: Checkpoint
}): TokenLedger {
  const checkpoint = deps.checkpoint ?? noCheckpoint
  let queue: Promise<unknown> = Promise.resolve()
  /** One transfer at a time: the intent's afterSeq and the proposal then follow each other on our chain. */
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn)
    queue = run.catch(() => undefined)
    return run
  }
  const running = (): { ledger: Ledger; protocol: LedgerProtocol; store: LedgerStore } => {
    const ledger = deps.ledger.ledger()
    const protocol = deps.ledger.protocol()
    const store = deps.ledger.store()
    if (ledger === undefined || protocol === undefined || store === undefined)
      throw new SettlementError('SETTLEMENT_NOT_RUNNING', 'the ledger is not running', {})
    return { ledger, protocol, store }
  }

  /** Our stored proposal for the indexed transfer `key`, if it was made. */
  const proposalOf = (key: string): HalfBlock | undefined => {
    const t = deps.index.transfer(key)
    if (t === undefined) return undefined
    const { ledger, store } = running()
    const payee = keyBytes(t.to)
    if (t.seq !== undefined) {
      const block = store.get(ledger.publicKey, t.seq)
      return block !== undefined && transferBytes(block, payee) === t.bytes ? block : undefined
    }
    const latest = ledger.latest()?.sequenceNumber ?? 0
    const blocks = store.range(ledger.publicKey, t.afterSeq + 1, latest, MAX_SCAN_BLOCKS)
    return blocks.find(
      (b) => transferBytes(b, payee) === t.bytes && !deps.index.seqClaimed(b.sequenceNumber, key),
    )
  }

  /** Whether `payee` countersigned our proposal `seq` (its agreement is in our store). */
  const countersigned = (store: LedgerStore, me: Uint8Array, seq: number, payee: Uint8Array): boolean =>
    store.agreementsOf(me, seq).some((a) => bytesEqual(a.publicKey, payee))

  const find = async (key: string): Promise<string | undefined> => {
    await deps.index.load()
    const t = deps.index.transfer(key)
    if (t === undefined) return undefined
    if (t.ref !== undefined) return t.ref
    const proposal = proposalOf(key)
    if (proposal === undefined) return undefined
    const { ledger, store } = running()
    if (!countersigned(store, ledger.publicKey, proposal.sequenceNumber, keyBytes(t.to))) return undefined
    const ref = transferRef(proposal.sequenceNumber)
    if (t.seq === undefined)
      await deps.index.append({ kind: 'transfer-proposed', key, seq: proposal.sequenceNumber })
    await deps.index.append({ kind: 'transfer-done', key, ref })
    return ref
  }

  return {
    transfer: (to, bytes, key, options: AbortOptions = {}) =>
      serial(async () => {
        const done = await find(key)
        if (done !== undefined) return done
        const { ledger, protocol } = running()
        const payee = keyBytes(to)
        let t = deps.index.transfer(key)
        if (t === undefined) {
          const afterSeq = ledger.latest()?.sequenceNumber ?? 0
          await deps.index.append({ kind: 'transfer-intent', key, to, bytes, afterSeq })
          t = deps.index.transfer(key)
        } else if (t.to !== to || t.bytes !== bytes) {
          throw new SettlementError(
            'SETTLEMENT_TRANSFER_REFUSED',
            `key ${key} was used for ${t.bytes} bytes to ${t.to}, not ${bytes} to ${to}`,
            { key },
          )
        }
        let proposal = proposalOf(key)
        if (proposal === undefined) {
          proposal = ledger.proposeBandwidth(payee, 0n, bytes)
          await deps.index.append({ kind: 'transfer-proposed', key, seq: proposal.sequenceNumber })
        } else if (t?.seq === undefined) {
          await deps.index.append({ kind: 'transfer-proposed', key, seq: proposal.sequenceNumber })
        }
        const result = await protocol.requestSignature(payee, proposal, options)
        if (!result.ok)
          throw new SettlementError(
            'SETTLEMENT_TRANSFER_REFUSED',
            `${to.slice(0, 16)}… did not countersign transfer ${key}: ${result.code} ${result.reason}`,
            { key, code: result.code },
          )
        // The payee's agreement is in our store; the index does not know it yet.
        checkpoint('transfer-countersigned')
        const ref = transferRef(proposal.sequenceNumber)
        await deps.index.append({ kind: 'transfer-done', key, ref })
        return ref
      }),
    findTransfer: (key) => serial(() => find(key)),
    async received(from, ref) {
      const seq = seqOfRef(ref)
      if (seq === undefined) return undefined
      const { ledger, store } = running()
      const proposer = keyBytes(from)
      const proposal = store.get(proposer, seq)
      if (proposal === undefined) return undefined
      const bytes = transferBytes(proposal, ledger.publicKey)
      if (bytes === undefined) return undefined
      // Countersigned: our agreement to it is stored (the proposal alone moves nothing to us).
      const ours = store.agreementsOf(proposer, seq).some((a) => bytesEqual(a.publicKey, ledger.publicKey))
      return ours ? bytes : undefined
    },
  }
}
