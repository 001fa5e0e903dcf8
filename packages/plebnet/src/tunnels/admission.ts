import type { Clock } from '@dolly/base'
import type { TunnelNode } from '@dolly/tunnels'
import {
  createModel0,
  isKnownPeer,
  model0Accept,
  model0Complete,
  model0Settle,
  MODEL0_DEFAULTS,
  type Model0Params,
  type Model0State,
} from '../trust/model0.ts'

/**
 * Relay and exit admission (issue 16; ALGORITHMS.md §7 and Tribler `should_join_circuit` in
 * `triblertunnel/community.py`): `randomSlots` first-come slots plus `competingSlots` ranked by the
 * requester's token balance: a free competing slot goes to anyone (as in Tribler), a full table
 * evicts its lowest balance for a higher one. Tribler's free slots are trivial to whitewash (issue
 * #6481), so here a stranger (fewer than `knownAfter` paid circuits, no positive balance) gets a slot
 * only within the β share of wall time its predecessors' work earned (Model 0). The work of a circuit
 * is what it cost this node: `admitCostMs` for the handshake plus `workMsPerMiB` per MiB carried —
 * not its wall time, or a paying user's idle warm circuits would shut every stranger out. A flood of
 * fresh keys therefore gets the β share of the free slots, and requesters with a balance keep theirs.
 */
/** What the policy reads and does. */
export interface TunnelAdmissionDeps {
  readonly clock: Clock
  /** The node it admits for (to evict a circuit and to see circuits end). */
  readonly node: TunnelNode
  /** Token balance of a tunnel peer in bytes (ledger `balance(key).bytes`); undefined if unknown. */
  balanceOf(peerId: string): bigint | undefined
  /**
   * Unpaid bytes other hops signed that this peer owes them (`DebtBook.owed`, debts.ts); a peer that
   * owes anything is refused, whatever its balance. Default: nobody owes.
   */
  debtOf?(peerId: string): bigint
}

/** Slot counts (Tribler: 5 random, 15 competing) and Model 0 parameters. */
export interface TunnelAdmissionOptions {
  readonly randomSlots?: number
  readonly competingSlots?: number
  readonly model0?: Model0Params
  /** Most slack a quiet spell saves for strangers, ms (ALGORITHMS.md §7: cap t0 ≥ now − W). */
  readonly maxSlackMs?: number
  /** Work charged to the strangers' budget when one is admitted, ms; default 1,000. */
  readonly admitCostMs?: number
  /** Work a stranger's circuit adds at close per MiB it carried, ms; default 100 (10 MiB/s). */
  readonly workMsPerMiB?: number
}

/** The admission hook for `createTunnelNode({ admit })` and its counters. */
export interface TunnelAdmission {
  admit(previousPeerId: string): boolean
  stats(): {
    readonly random: number
    readonly competing: number
    readonly refused: number
    readonly evicted: number
    /** Refused because other hops recorded an unpaid debt of theirs. */
    readonly debtors: number
  }
  stop(): void
}

interface Slot {
  readonly peer: string
  readonly balance: bigint
  /** Admitted as a stranger through Model 0 (its circuit settles the budget at close). */
  readonly stranger: boolean
  /** When admit reserved it; a slot no circuit took within RESERVE_MS is freed. */
  readonly reservedMs: number
  circuit: string | undefined
}

/** A reserved slot whose circuit did not appear within this (the build timeout) is freed. */
const RESERVE_MS = 30_000

/**
 * Builds the policy. `admit` is called before the circuit exists; the slot is bound to the first
 * circuit of that peer the node joins without a slot, and freed when that circuit closes. A
 * stranger's circuit feeds Model 0 at close: its service time is the work, and it succeeded unless
 * it was cut for not paying (TUNNEL_UNPAID).
 */
export function createTunnelAdmission(
  deps: TunnelAdmissionDeps,
  options: TunnelAdmissionOptions = {},
): TunnelAdmission {
  const { clock, node } = deps
  const randomCount = options.randomSlots ?? 5
  const competingCount = options.competingSlots ?? 15
  const maxSlackMs = options.maxSlackMs ?? 60_000
  const admitCostMs = options.admitCostMs ?? 1_000
  const workMsPerMiB = options.workMsPerMiB ?? 100
  let model0: Model0State = createModel0(clock.nowMs(), options.model0 ?? MODEL0_DEFAULTS)
  const random: (Slot | undefined)[] = Array.from({ length: randomCount }, () => undefined)
  const competing: (Slot | undefined)[] = Array.from({ length: competingCount }, () => undefined)
  const strangers = new Set<string>() // circuit ids admitted as strangers
  let refused = 0
  let evicted = 0
  let debtors = 0

  const bind = (now: number): void => {
    for (const table of [random, competing])
      for (let i = 0; i < table.length; i++) {
        const s = table[i]
        if (s !== undefined && s.circuit === undefined && now - s.reservedMs >= RESERVE_MS)
          table[i] = undefined
      }
    const bound = new Set(
      [...random, ...competing].flatMap((s) => (s?.circuit === undefined ? [] : [s.circuit])),
    )
    for (const info of node.circuits()) {
      if (info.role === 'initiator' || bound.has(info.id)) continue
      const slot = [...random, ...competing].find(
        (s) => s !== undefined && s.circuit === undefined && s.peer === info.previousPeer,
      )
      if (slot === undefined) continue
      slot.circuit = info.id
      if (slot.stranger) strangers.add(info.id)
    }
  }

  const offClosed = node.onCircuitClosed(({ info, reason }) => {
    if (info.role === 'initiator') return
    // A circuit that closes before any later admit bound it still takes its peer's reserved slot, so
    // its slot is freed and a stranger's service time is charged.
    const slots = [...random, ...competing]
    if (!slots.some((s) => s?.circuit === info.id)) {
      const slot = slots.find(
        (s) => s !== undefined && s.circuit === undefined && s.peer === info.previousPeer,
      )
      if (slot !== undefined) {
        slot.circuit = info.id
        if (slot.stranger) strangers.add(info.id)
      }
    }
    for (const table of [random, competing])
      for (let i = 0; i < table.length; i++) if (table[i]?.circuit === info.id) table[i] = undefined
    if (!strangers.delete(info.id) || info.previousPeer === undefined) return
    const carried = info.bytesForward + info.bytesBackward
    model0 = model0Complete(model0, info.previousPeer, (Number(carried) / 2 ** 20) * workMsPerMiB)
    model0 = model0Settle(model0, info.previousPeer, reason !== 'TUNNEL_UNPAID')
  })

  const take = (table: (Slot | undefined)[], slot: Slot): boolean => {
    const i = table.indexOf(undefined)
    if (i < 0) return false
    table[i] = slot
    return true
  }

  return {
    admit(peer) {
      // A free rider another hop cut and recorded gets no slot here (family-wide bound).
      if ((deps.debtOf?.(peer) ?? 0n) > 0n) {
        refused++
        debtors++
        return false
      }
      const now = clock.nowMs()
      bind(now)
      // Cap the strangers' savings at β·maxSlack (ALGORITHMS.md §7): move t0 so that the budget
      // β·(now − t0) − τ is at most that. Moving t0 to now − maxSlack regardless of τ would lock
      // strangers out for good once τ exceeded β·maxSlack (their past work never shrinks).
      const floorT0 = now - maxSlackMs - model0.tau / model0.beta
      if (model0.t0 < floorT0) model0 = { ...model0, t0: floorT0 }
      const balance = deps.balanceOf(peer) ?? 0n
      const stranger = balance <= 0n && !isKnownPeer(model0, peer)
      const admitted = (): boolean => {
        if (stranger) model0 = model0Complete(model0, peer, admitCostMs)
        return true
      }
      const slot: Slot = { peer, balance, stranger, reservedMs: now, circuit: undefined }
      // A stranger gets nothing beyond the β share of wall time (Model 0).
      const allowed = !stranger || model0Accept(model0, peer, now)
      // A balance takes a competing slot first, leaving the random ones to the others.
      const tables = balance > 0n ? [competing, random] : [random, competing]
      if (allowed && tables.some((t) => take(t, slot))) return admitted()
      // A full competing table: a higher balance evicts the lowest one.
      if (balance > 0n) {
        let low = -1
        competing.forEach((s, i) => {
          const cur = low < 0 ? undefined : competing[low]
          if (s !== undefined && (cur === undefined || s.balance < cur.balance)) low = i
        })
        const victim = competing[low]
        if (victim !== undefined && victim.balance < balance) {
          competing[low] = slot
          if (victim.circuit !== undefined) node.destroyCircuit(victim.circuit, 'TUNNEL_NOT_ADMITTED')
          evicted++
          return true
        }
      }
      refused++
      return false
    },
    stats: () => ({
      random: random.filter((s) => s !== undefined).length,
      competing: competing.filter((s) => s !== undefined).length,
      refused,
      evicted,
      debtors,
    }),
    stop: () => offClosed(),
  }
}
