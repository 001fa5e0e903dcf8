import { bytesToHex, hexToBytes, type BlockSigner, type Clock, type SignatureVerifier } from '@dolly/base'
import {
  hopOf,
  keyOfPeerId,
  networkConstants,
  type AgentNetwork,
  type DebtRecord,
  type DebtsInfo,
} from '@dolly/overlay'
import type { TunnelNode, TunnelPayments } from '@dolly/tunnels'
import { createDebtBook, signDebt, type DebtBookOptions, type SignedDebt } from './debts.ts'

/**
 * The family-wide free-rider bound, wired (issue 16): a hop that cut an initiator for not paying
 * signs an unpaid-debt record (debts.ts) and publishes its recent records as its overlay entry
 * `debt/<id>`; every agent reads the records the overlay lets count (family or known creditors
 * whose contact it holds: a stranger's forged debts never get an honest user refused) into its
 * debt book, and its admission refuses any peer that owes (`owed` as `debtOf`). Without it a
 * `--no-pay` user got one unpaid cap per hop it reached; with it, one cap per hop that cut it
 * before its record spread (gossip: the broadcast at once, anti-entropy within 30 s).
 */

/** What the debt gossip needs of the overlay (`AgentNetwork`). */
export interface DebtNetwork {
  publishDebts(debts: { readonly debts: DebtRecord[] }): void
  debts(): readonly DebtsInfo[]
}

/** Ports of the debt gossip. */
export interface DebtGossipDeps {
  readonly clock: Clock
  /** The agent's identity: the overlay entry's origin, so records and entry name one creditor. */
  readonly signer: BlockSigner
  readonly verifier: SignatureVerifier
  readonly network: DebtNetwork
}

/** Counters of the debt gossip. */
export interface DebtGossipStats {
  /** Cuts this agent signed. */
  readonly recorded: number
  /** Records read from other agents' entries into the book. */
  readonly received: number
  /** Records from other agents the book refused (bad signature, malformed, expired, future). */
  readonly refused: number
  /** Debtors in the book now. */
  readonly debtors: number
}

/** Signs our cuts, reads the others' and answers what a peer owes. */
export interface DebtGossip {
  /** Signs and publishes that `debtor` left `unpaidBytes` unpaid when we cut it now. */
  record(debtor: string, unpaidBytes: bigint): void
  /** Unpaid bytes `peer` owes over every creditor that counts (admission's `debtOf`). */
  owed(peer: string): bigint
  stats(): DebtGossipStats
}

/** Other agents' entries are re-read at most this often, ms (admission asks on every CREATE). */
const SYNC_INTERVAL_MS = 1_000

/** Builds the debt gossip; `options` bound its book (ttl 1 h, 10,000 debtors by default). */
export function createDebtGossip(deps: DebtGossipDeps, options: DebtBookOptions = {}): DebtGossip {
  const { clock, network } = deps
  const ttlMs = options.ttlMs ?? 3_600_000
  const book = createDebtBook({ clock, verifier: deps.verifier }, options)
  const maxOwn = networkConstants.MAX_DEBTS_PER_ENTRY
  /** Our newest record per debtor, the most recent last. */
  const own = new Map<string, SignedDebt>()
  /** Entry version read per creditor (hex), so an unchanged entry is not verified again. */
  const seen = new Map<string, number>()
  const maxSeen = 2 * (networkConstants.MAX_ENTRIES_OF_KIND.debt ?? 1000)
  let lastSync = -Infinity
  let recorded = 0
  let received = 0
  let refused = 0

  const sync = (): void => {
    const now = clock.nowMs()
    if (now - lastSync < SYNC_INTERVAL_MS) return
    lastSync = now
    const infos = network.debts()
    if (seen.size > maxSeen) seen.clear()
    for (const info of infos) {
      if (seen.get(info.creditor) === info.version) continue
      seen.set(info.creditor, info.version)
      const creditorKey = hexToBytes(info.creditor)
      if (creditorKey === undefined) continue
      for (const r of info.debts) {
        const signature = hexToBytes(r.sig)
        const verdict =
          signature === undefined
            ? 'malformed'
            : book.add({
                debtor: r.debtor,
                unpaidBytes: BigInt(r.unpaidBytes),
                atMs: r.atMs,
                creditorKey,
                signature,
              })
        if (verdict === 'accepted') received++
        else if (verdict !== 'stale') refused++
      }
    }
  }

  return {
    record(debtor, unpaidBytes) {
      const now = clock.nowMs()
      const debt = signDebt(deps.signer, { debtor, unpaidBytes, atMs: now })
      book.add(debt)
      recorded++
      own.delete(debtor)
      own.set(debtor, debt)
      for (const [d, r] of own) if (now - r.atMs >= ttlMs) own.delete(d)
      while (own.size > maxOwn) own.delete(own.keys().next().value as string)
      network.publishDebts({
        debts: [...own.values()].reverse().map((r) => ({
          debtor: r.debtor,
          unpaidBytes: r.unpaidBytes.toString(),
          atMs: r.atMs,
          sig: bytesToHex(r.signature),
        })),
      })
    },
    owed(peer) {
      sync()
      return book.owed(peer)
    },
    stats: () => ({ recorded, received, refused, debtors: book.size() }),
  }
}

/**
 * Records every TUNNEL_UNPAID cut `payments` makes on `node` whose neighbour is not a listed relay:
 * a relay's circuit is cut for its upstream's debt (payments judge relays per circuit), so only an
 * initiator is named. A circuit closed TUNNEL_UNPAID by a neighbour's DESTROY is not our cut and is
 * not recorded. Returns the unsubscribe.
 */
export function recordCuts(deps: {
  readonly node: TunnelNode
  readonly payments: TunnelPayments
  readonly isRelay: (peerId: string) => boolean
  readonly debts: Pick<DebtGossip, 'record'>
}): () => void {
  let seenCuts = deps.payments.stats().cutUnpaid
  return deps.node.onCircuitClosed(({ reason }) => {
    if (reason !== 'TUNNEL_UNPAID') return
    const total = deps.payments.stats().cutUnpaid
    if (total <= seenCuts) return
    const fresh = deps.payments.cuts().slice(-Math.min(total - seenCuts, 100))
    seenCuts = total
    for (const cut of fresh)
      if (cut.unpaid > 0n && !deps.isRelay(cut.peer)) deps.debts.record(cut.peer, cut.unpaid)
  })
}

/**
 * Whether a neighbour (libp2p peer id) advertised the relay role in any hop entry we hold, even an
 * expired one or one of a peer whose contact we dropped (a relay that missed a few overlay requests
 * under load is then no longer in the directory): `recordCuts` never names it as a debtor.
 */
export function advertisesRelay(network: Pick<AgentNetwork, 'entry'>, peerId: string): boolean {
  const key = keyOfPeerId(peerId)
  const entry = key === undefined ? undefined : network.entry('hop', bytesToHex(key))
  return entry !== undefined && hopOf(entry)?.relay === true
}
