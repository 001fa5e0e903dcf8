import type { CountersignPolicy, CountersignTerms, CountersignVerdict } from '@dolly/ledger'
import type { PaymentHandler, PaymentPort, TunnelPayment } from '@dolly/tunnels'

/**
 * The tunnels' PaymentPort over TrustChain (issue 16, ALGORITHMS.md §9.1/§9.3): every payment is a
 * bandwidth half-block proposal `{up: 0, down: amount}` from payer to payee, countersigned through
 * the ledger's signing protocol. A payment's memo (which circuit, which bytes it covers) goes first
 * over a small request/response channel; the payee's tunnel engine checks it against its own byte
 * counters and, if it holds, the payee's countersign policy expects exactly that amount from that
 * peer once. The tokens are credited to the circuit only when the agreement is committed, so a payer
 * that announces and never proposes gets nothing.
 */

/** Request/response between two agents for payment memos (the agent wires it to an overlay protocol). */
export interface PaymentMemoChannel {
  /** Sends `memo` to `peer` and resolves with its answer; rejects if `peer` cannot be reached. */
  request(peer: string, memo: Uint8Array): Promise<Uint8Array>
  /** Serves memos from neighbours; returns the answer. */
  serve(handler: (from: string, memo: Uint8Array) => Uint8Array): void
}

/** What the adapter needs of the ledger side (`createLedgerProtocol`'s `transact`). */
export interface LedgerPaymentsDeps {
  /** Proposes `{up, down}` to `counterparty` and waits for its agreement. */
  transact(counterparty: Uint8Array, up: bigint, down: bigint): Promise<{ readonly ok: boolean }>
  readonly memos: PaymentMemoChannel
  /** The ledger key of a tunnel peer id (undefined: unknown peer, nothing is paid). */
  keyOf(peerId: string): Uint8Array | undefined
  /** The tunnel peer id of a ledger key. */
  peerIdOf(key: Uint8Array): string
  /** The policy for everything else (the market's expectations); tunnel payments are checked first. */
  readonly inner: CountersignPolicy
}

/** The port for the tunnel engine and the countersign policy to build the ledger with. */
export interface LedgerPayments {
  readonly port: PaymentPort
  /** Pass as `createLedger(..., { policy })`: tunnel payments the engine expects, else `inner`. */
  readonly policy: CountersignPolicy
}

/** Announced payments a peer may still propose, at most this many per peer. */
const MAX_PENDING_PER_PEER = 64
const BANDWIDTH_TYPE = 'tribler_bandwidth'
const ACCEPT = Uint8Array.of(1)
const REFUSE = Uint8Array.of(0)

/** Memo wire format: circuitId u32 BE ‖ base u64 BE ‖ amount u64 BE (20 bytes). */
export function encodeMemo(p: TunnelPayment): Uint8Array {
  const out = new Uint8Array(20)
  const view = new DataView(out.buffer)
  view.setUint32(0, p.circuitId)
  view.setBigUint64(4, p.base)
  view.setBigUint64(12, p.amount)
  return out
}

/** Decodes a memo; undefined unless exactly 20 bytes with a non-zero circuit id and amount. */
export function decodeMemo(bytes: Uint8Array): TunnelPayment | undefined {
  if (bytes.length !== 20) return undefined
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const p = { circuitId: view.getUint32(0), base: view.getBigUint64(4), amount: view.getBigUint64(12) }
  return p.circuitId === 0 || p.amount === 0n ? undefined : p
}

/** Builds the adapter. */
export function createLedgerPayments(deps: LedgerPaymentsDeps): LedgerPayments {
  let handler: PaymentHandler | undefined
  const pending = new Map<string, TunnelPayment[]>()

  const match = (terms: CountersignTerms): { peer: string; index: number } | undefined => {
    if (terms.type !== BANDWIDTH_TYPE || terms.downBytes !== 0n) return undefined
    const peer = deps.peerIdOf(terms.peer)
    const index = (pending.get(peer) ?? []).findIndex((p) => p.amount === terms.upBytes)
    return index < 0 ? undefined : { peer, index }
  }

  deps.memos.serve((from, bytes) => {
    const memo = decodeMemo(bytes)
    if (memo === undefined || handler === undefined || !handler.check(from, memo)) return REFUSE
    const list = pending.get(from) ?? []
    if (list.length >= MAX_PENDING_PER_PEER) return REFUSE
    list.push(memo)
    pending.set(from, list)
    return ACCEPT
  })

  const policy: CountersignPolicy = {
    expects: (peer) => (pending.get(deps.peerIdOf(peer))?.length ?? 0) > 0 || deps.inner.expects(peer),
    check(terms): CountersignVerdict {
      return match(terms) !== undefined ? { ok: true } : deps.inner.check(terms)
    },
    consume(terms) {
      const m = match(terms)
      if (m === undefined) return deps.inner.consume(terms)
      const list = pending.get(m.peer) ?? []
      const [memo] = list.splice(m.index, 1)
      if (list.length === 0) pending.delete(m.peer)
      if (memo !== undefined) handler?.credit(m.peer, memo)
    },
  }

  const port: PaymentPort = {
    async pay(to, payment) {
      const key = deps.keyOf(to)
      if (key === undefined) return 'refused'
      const answer = await deps.memos.request(to, encodeMemo(payment))
      if (answer.length !== 1 || answer[0] !== 1) return 'refused'
      const result = await deps.transact(key, 0n, payment.amount)
      return result.ok ? 'accepted' : 'refused'
    },
    onPayment(h) {
      handler = h
    },
  }
  return { port, policy }
}
