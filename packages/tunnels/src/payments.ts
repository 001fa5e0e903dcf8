import { BaseError, createNullLogger, type Clock, type Logger } from '@dolly/base'
import { MAX_FRAME_BYTES, MAX_HOPS } from './constants.ts'

/** The most one cell can add to a neighbour's unpaid bytes: the largest frame. */
const CELL_HEADROOM = BigInt(MAX_FRAME_BYTES)
import type { TunnelNode } from './node.ts'
import {
  DEFAULT_PAYOUT_RULE,
  downloaderPays,
  exitKeeps,
  minimumRelayReceives,
  type PayoutRule,
} from './payout.ts'
import type { CircuitInfo } from './types.ts'

/**
 * Paying relays during the circuit (ALGORITHMS.md §9.3, README "Payments"): hop by hop, so every
 * party pays or is paid only by a neighbour it already knows. The initiator pays its first hop every
 * `payEveryBytes` of the circuit's backward bytes; a relay keeps its share and pays the rest to its
 * next hop; the exit keeps what reaches it. Every hop meters the bytes it sent back to its previous
 * neighbour and, once that neighbour's unpaid bytes (over all its circuits) pass `unpaidCapBytes`,
 * destroys its unpaid circuits with TUNNEL_UNPAID: a free rider gets at most one cap per hop.
 */

/** MiB in bytes. */
const MiB = 1n << 20n

/** Defaults: pay every 1 MiB (the ledger's minimum transaction), cut a neighbour 8 MiB in arrears. */
export const DEFAULT_PAY_EVERY_BYTES = MiB
export const DEFAULT_UNPAID_CAP_BYTES = 8n * MiB

/** Pause before a refused or failed payment (own or forwarded) is tried again, ms (with a `clock`). */
export const SETTLE_RETRY_MS = 2_000
/** Tries of one payment before it is given up and counted in `abandoned`. */
export const MAX_SETTLE_ATTEMPTS = 10

/**
 * One payment between neighbours for one circuit. `base` is cumulative: the circuit's backward cell
 * bytes at its first hop that the payments so far cover (that hop's own counter, ≥ every later hop's,
 * and ≥ the stream bytes the initiator received by the cell overhead, < 0.6 % for full cells).
 */
export interface TunnelPayment {
  /** The circuit's id on the payer→payee link (both ends know it; nobody else does). */
  readonly circuitId: number
  /** Bytes covered after this payment, cumulative per circuit. */
  readonly base: bigint
  /** Token bytes this payment moves (MB tokens · 2^20), > 0. */
  readonly amount: bigint
}

/**
 * The payment port: moves tokens between two neighbours. The ledger adapter (plebnet) makes each
 * payment a bandwidth half-block `{up: 0, down: amount}` from payer to payee, countersigned by the
 * payee only when the handler accepted it; `createMemoryPayments` is the in-memory adapter.
 */
export interface PaymentPort {
  /** Pays `payment.amount` to neighbour `to`; resolves once `to` countersigned or refused. */
  pay(to: string, payment: TunnelPayment): Promise<'accepted' | 'refused'>
  /** Registers the payee side (one handler per port; a later call replaces it). */
  onPayment(handler: PaymentHandler): void
}

/**
 * The payee side of a port. `check` (synchronous, changes nothing) says whether to countersign;
 * once the tokens are ours (the agreement committed) the port calls `credit`, which checks again and
 * only then counts the bytes as paid and forwards the next hop's part.
 */
export interface PaymentHandler {
  check(from: string, payment: TunnelPayment): boolean
  credit(from: string, payment: TunnelPayment): void
}

/** Options of the payment engine. */
export interface TunnelPaymentsOptions {
  /** Payout rule; default `fair`. */
  readonly rule?: PayoutRule
  /** The initiator pays once its circuit's unpaid backward bytes reach this; default 1 MiB. */
  readonly payEveryBytes?: bigint
  /** A hop destroys a neighbour's unpaid circuits once it owes more than this; default 8 MiB. */
  readonly unpaidCapBytes?: bigint
  /**
   * How far a neighbour that pays in full may lag behind the bytes carried before it is cut, default
   * 4 × `unpaidCapBytes`. Payments ride the same connection as the data they pay for, so a fast
   * download outruns its own payments by what one round of agreements takes; a neighbour that never
   * paid on the circuit, or paid short for what it claimed, is still cut at `unpaidCapBytes`.
   */
  readonly lagCapBytes?: bigint
  /**
   * The initiator's payment for `base` bytes over `hops` hops; default the rule's price. Tests
   * use it to play a free rider (pays nothing or half).
   */
  readonly price?: (base: bigint, hops: number, rule: PayoutRule) => bigint
  /**
   * Whether a neighbour is a listed relay (the directory's view). What an ended circuit still owes is
   * held against the next circuits of a neighbour that is not a relay — an initiator — so a free rider
   * that rebuilds is cut at its first cell; a relay is judged per circuit, because what it owes for an
   * ended circuit is its upstream's debt, and honest circuits through it must not pay for that.
   * Default: no neighbour is a relay.
   */
  readonly isRelay?: (peerId: string) => boolean
}

/** What a node paid and earned so far, in token bytes, and what it cut. */
export interface TunnelPaymentsStats {
  readonly paid: bigint
  readonly received: bigint
  /** Received minus forwarded: this node's earnings as a relay or exit. */
  readonly kept: bigint
  readonly refused: number
  readonly cutUnpaid: number
  /**
   * What is not settled yet: backward bytes of own circuits (live or closed) not paid for, tokens
   * received and not yet forwarded to next hops (queued or on the way), and payments awaiting an
   * answer. All 0 after a circuit closed and its final payments went through hop by hop: then the
   * balances are final (`flush()` pays live circuits' remainder too).
   */
  readonly unsettledOwnBytes: bigint
  readonly unsettledForward: bigint
  readonly inFlight: number
  /** Payments given up after MAX_SETTLE_ATTEMPTS refusals or failures (their tokens stay unsettled). */
  readonly abandoned: number
}

/** A running payment engine on one node. */
export interface TunnelPayments {
  stats(): TunnelPaymentsStats
  /** Unpaid bytes of each previous neighbour now, over its live and ended circuits. */
  unpaid(): ReadonlyMap<string, bigint>
  /** The last (≤ 100) cuts: the neighbour and what it owed (this circuit plus ended ones) when cut. */
  cuts(): readonly { readonly peer: string; readonly unpaid: bigint }[]
  /**
   * Pays what own circuits owe below `payEveryBytes` (call before closing a circuit, or at the end of
   * a download); resolves when those payments settled.
   */
  flush(): Promise<void>
  stop(): void
}

interface OwnState {
  paidBase: bigint
  paying: boolean
  /** Refused or failed tries since the last accepted payment. */
  attempts: number
  retrying: boolean
  /** The final counters once the circuit closed: what is left is paid whatever its size. */
  final: CircuitInfo | undefined
}

interface HopState {
  readonly id: string
  readonly prevPeer: string
  readonly exit: boolean
  nextPeer: string | undefined
  nextCircuitId: number | undefined
  carried: bigint
  coveredBase: bigint
  claimedBase: bigint
  forwardedBase: bigint
  /** Token bytes owed to the next hop, not yet paid (forwarded in order). */
  owedNext: bigint
  forwarding: boolean
  /** Token bytes of the forward on the way. */
  inFlight: bigint
  /** Refused or failed forwards since the last accepted one. */
  attempts: number
  retrying: boolean
  closed: boolean
  /** At least one payment was credited (an honest payer: its last partial chunk is forgiven at close). */
  paidOnce: boolean
}

/** Closed circuits kept for their final payment; the oldest beyond this turn into arrears. */
const MAX_CLOSED_KEPT = 1024
/** Neighbours whose arrears are remembered (the oldest entry goes first). */
const MAX_ARREARS_PEERS = 10_000

function checkBytes(name: string, v: bigint, min: bigint): bigint {
  if (v < min)
    throw new BaseError('BASE_INVALID_OPTION', `${name} must be at least ${min}, got ${v}`, { [name]: v })
  return v
}

/**
 * Starts paying and charging for `node`'s circuits over `port`. Relays and exits refuse (do not
 * countersign) a payment for a circuit they do not serve for that neighbour, one whose base goes
 * backwards or beyond what their own counter supports, or one above the most the rule can ask for
 * those bytes: a hop signs only what its byte counters support.
 */
export function createTunnelPayments(
  deps: {
    readonly node: TunnelNode
    readonly port: PaymentPort
    readonly logger?: Logger
    /**
     * With a clock, a refused or failed payment is tried again every SETTLE_RETRY_MS (at most
     * MAX_SETTLE_ATTEMPTS times), so the final payment of a closed circuit and a relay's forward of it
     * settle without waiting for another payment; without one they are retried only with the next.
     */
    readonly clock?: Clock
  },
  options: TunnelPaymentsOptions = {},
): TunnelPayments {
  const { node, port } = deps
  const logger = (deps.logger ?? createNullLogger()).child({ component: 'tunnels.payments' })
  const rule = options.rule ?? DEFAULT_PAYOUT_RULE
  const payEvery = checkBytes('payEveryBytes', options.payEveryBytes ?? DEFAULT_PAY_EVERY_BYTES, 1n)
  const cap = checkBytes('unpaidCapBytes', options.unpaidCapBytes ?? DEFAULT_UNPAID_CAP_BYTES, payEvery)
  const lagCap = checkBytes('lagCapBytes', options.lagCapBytes ?? 4n * cap, cap)
  const price = options.price ?? downloaderPays
  const isRelay = options.isRelay ?? (() => false)
  const own = new Map<string, OwnState>()
  const hopsByLink = new Map<string, HopState>()
  const hopsById = new Map<string, HopState>()
  let paid = 0n
  let received = 0n
  let forwarded = 0n
  let refused = 0
  let cutUnpaid = 0
  let abandoned = 0
  let stopped = false
  const retries = new AbortController()
  /** Runs `again` after SETTLE_RETRY_MS unless stopped; false without a clock or once attempts ran out. */
  const retryLater = (attempts: number, again: () => void): boolean => {
    const clock = deps.clock
    if (clock === undefined || stopped || attempts >= MAX_SETTLE_ATTEMPTS) return false
    clock.sleep(SETTLE_RETRY_MS, { signal: retries.signal }).then(
      () => {
        if (!stopped) again()
      },
      () => undefined,
    )
    return true
  }
  const linkKey = (peer: string, circuitId: number): string => `${circuitId}@${peer}`

  const cutLog: { peer: string; unpaid: bigint }[] = []
  const pending = new Set<Promise<unknown>>()
  const track = <T>(p: Promise<T>): Promise<T> => {
    pending.add(p)
    void p.finally(() => pending.delete(p)).catch(() => undefined)
    return p
  }

  /** Forgets a closed circuit's state once it is paid in full (or its payment was given up). */
  const dropIfDone = (id: string, state: OwnState): void => {
    if (state.final === undefined || state.paying || state.retrying) return
    const givenUp = deps.clock === undefined || state.attempts >= MAX_SETTLE_ATTEMPTS
    if (state.paidBase >= state.final.bytesBackward || givenUp) own.delete(id)
  }

  const payOwn = (info: CircuitInfo, every = payEvery): void => {
    let s = own.get(info.id)
    if (s === undefined)
      own.set(info.id, (s = { paidBase: 0n, paying: false, attempts: 0, retrying: false, final: undefined }))
    const state = s
    const base = info.bytesBackward
    if (state.paying || base - state.paidBase < every || base === state.paidBase) return
    const to = info.nextPeer
    const circuitId = info.nextCircuitId
    if (to === undefined || circuitId === undefined) return
    const amount = price(base - state.paidBase, info.hops, rule)
    state.paying = true
    const failed = (): void => {
      state.attempts++
      // Tried again on a timer (a closed circuit's last payment has no next cell to trigger it).
      state.retrying = retryLater(state.attempts, () => {
        state.retrying = false
        const now = state.final ?? node.circuits().find((c) => c.id === info.id)
        if (now !== undefined) payOwn(now, 1n)
        dropIfDone(info.id, state)
      })
      if (!state.retrying && state.attempts >= MAX_SETTLE_ATTEMPTS) {
        abandoned++
        logger.warn('tunnels.payments.abandoned', { circuit: info.id, unpaid: String(base - state.paidBase) })
      }
      dropIfDone(info.id, state)
    }
    const settle = (outcome: 'accepted' | 'refused'): void => {
      state.paying = false
      if (outcome === 'refused') {
        refused++
        return failed()
      }
      paid += amount
      state.paidBase = base
      state.attempts = 0
      // Bytes that arrived while this payment was out are paid at once, not at the next cell.
      const now = state.final ?? node.circuits().find((c) => c.id === info.id)
      if (now !== undefined) payOwn(now, state.final === undefined ? every : 1n)
      dropIfDone(info.id, state)
    }
    if (amount <= 0n) return settle('accepted') // a free rider "pays" nothing
    void track(port.pay(to, { circuitId, base, amount })).then(settle, (err: unknown) => {
      state.paying = false
      logger.warn('tunnels.payments.pay_failed', { circuit: info.id, error: String(err) })
      failed()
    })
  }

  const hopState = (info: CircuitInfo): HopState | undefined => {
    if (info.previousPeer === undefined || info.previousCircuitId === undefined) return undefined
    let s = hopsById.get(info.id)
    if (s === undefined) {
      s = {
        id: info.id,
        prevPeer: info.previousPeer,
        exit: info.role === 'exit',
        nextPeer: undefined,
        nextCircuitId: undefined,
        carried: 0n,
        coveredBase: 0n,
        claimedBase: 0n,
        forwardedBase: 0n,
        owedNext: 0n,
        forwarding: false,
        inFlight: 0n,
        attempts: 0,
        retrying: false,
        closed: false,
        paidOnce: false,
      }
      hopsById.set(info.id, s)
      hopsByLink.set(linkKey(info.previousPeer, info.previousCircuitId), s)
    }
    s.carried = info.bytesBackward
    s.nextPeer = info.nextPeer
    s.nextCircuitId = info.nextCircuitId
    return s
  }

  const arrears = new Map<string, bigint>()
  const closedKept: HopState[] = []
  /** What a circuit owes: unpaid bytes, less one payment interval once an honest payer closed it. */
  const residual = (s: HopState): bigint => {
    const owed = s.carried - s.coveredBase - (s.closed && s.paidOnce ? payEvery : 0n)
    return owed > 0n ? owed : 0n
  }
  const unpaidOf = (peer: string): bigint => {
    let sum = arrears.get(peer) ?? 0n
    for (const s of hopsById.values()) if (s.prevPeer === peer) sum += residual(s)
    return sum
  }

  /** What `peer` still owes for circuits that ended (kept ones plus arrears). */
  const debtOf = (peer: string): bigint => {
    if (isRelay(peer)) return 0n
    let sum = arrears.get(peer) ?? 0n
    for (const c of closedKept) if (c.prevPeer === peer) sum += residual(c)
    return sum
  }

  /**
   * Cuts a live circuit once its unpaid bytes plus what its neighbour owes for ended circuits (an
   * initiator only, see `isRelay`) pass the cap: per circuit, so a relay carrying many honest
   * circuits is not cut for their summed payment lag; across circuits for an initiator, so a free
   * rider that rebuilds through us is cut at its first cell.
   */
  const enforce = (s: HopState): void => {
    if (s.closed) return
    const debt = debtOf(s.prevPeer)
    const unpaid = residual(s) + debt
    // One cell ahead: the cap is checked after a cell went out, so a neighbour is cut while the next
    // cell could still take it past the cap, and a free rider never gets more than the cap.
    if (unpaid + CELL_HEADROOM <= cap) return
    // Paying in full for what it claimed, only behind the bytes: a lag, tolerated up to lagCap.
    const short = s.claimedBase - s.coveredBase
    if (s.paidOnce && !s.closed && short + debt <= cap && s.carried - s.claimedBase <= lagCap) return
    logger.info('tunnels.payments.cut', { circuit: s.id, peer: s.prevPeer, unpaid: String(unpaid) })
    cutUnpaid++
    cutLog.push({ peer: s.prevPeer, unpaid })
    if (cutLog.length > 100) cutLog.shift()
    node.destroyCircuit(s.id, 'TUNNEL_UNPAID')
  }

  const forward = (s: HopState): void => {
    if (s.forwarding || s.owedNext <= 0n || s.nextPeer === undefined || s.nextCircuitId === undefined) return
    const amount = s.owedNext
    const base = s.claimedBase
    s.forwarding = true
    s.owedNext = 0n
    s.inFlight = amount
    // Tried again on a timer, not at once: a next hop that refuses (a circuit it has not carried the
    // bytes back on yet, so its counter does not support them) would refuse an immediate retry too.
    const failed = (): void => {
      s.forwarding = false
      s.inFlight = 0n
      s.owedNext += amount
      s.attempts++
      if (s.retrying) return
      s.retrying = retryLater(s.attempts, () => {
        s.retrying = false
        forward(s)
      })
      if (!s.retrying && s.attempts === MAX_SETTLE_ATTEMPTS) {
        abandoned++
        logger.warn('tunnels.payments.forward_abandoned', { circuit: s.id, owed: String(s.owedNext) })
      }
    }
    void track(port.pay(s.nextPeer, { circuitId: s.nextCircuitId, base, amount })).then(
      (outcome) => {
        if (outcome === 'accepted') {
          s.forwarding = false
          s.inFlight = 0n
          s.attempts = 0
          forwarded += amount
          forward(s) // what was credited meanwhile
        } else {
          refused++
          failed()
        }
      },
      (err: unknown) => {
        logger.warn('tunnels.payments.forward_failed', { circuit: s.id, error: String(err) })
        failed()
      },
    )
  }

  /** The hop state a payment is for and the bytes it adds, if our counters support it. */
  const validate = (from: string, p: TunnelPayment): { s: HopState; delta: bigint } | undefined => {
    if (stopped) return undefined
    const s = hopsByLink.get(linkKey(from, p.circuitId))
    if (s === undefined) return undefined
    const delta = p.base - s.claimedBase
    // What our counter supports: the first hop's cell bytes exceed ours by ≤ 25 bytes per layer per
    // cell, and a backward cell is ≥ 31 bytes here and ≤ 81 more at the first hop: < 3 × ours.
    const supported = 3n * s.carried + BigInt(MAX_FRAME_BYTES)
    if (delta <= 0n || p.base > supported || p.amount <= 0n) return undefined
    if (p.amount > downloaderPays(delta, MAX_HOPS, rule)) return undefined
    return { s, delta }
  }

  port.onPayment({
    check(from, p) {
      if (validate(from, p) !== undefined) return true
      refused++
      return false
    },
    credit(from, p) {
      const ok = validate(from, p)
      if (ok === undefined) return void refused++
      const { s, delta } = ok
      s.claimedBase = p.base
      s.paidOnce = true
      received += p.amount
      const need = s.exit ? exitKeeps(delta, rule) : minimumRelayReceives(delta, rule)
      // A short payment covers its share of the bytes only.
      const covered = p.amount >= need ? delta : (delta * p.amount) / need
      s.coveredBase += covered
      if (s.exit) return
      const keep = rule === '2017' ? 2n * delta : rule === '2021' ? p.amount - 2n * delta : delta
      const pass = p.amount - (keep < 0n ? 0n : keep > p.amount ? p.amount : keep)
      if (pass <= 0n) return
      s.owedNext += pass
      s.forwardedBase = p.base
      // A new payment to pass on: the next hop gets fresh tries.
      if (s.attempts >= MAX_SETTLE_ATTEMPTS) s.attempts = 0
      forward(s)
    },
  })

  const offCarried = node.onCarried((info) => {
    if (stopped) return
    const i = info()
    if (i.role === 'initiator') return payOwn(i)
    const s = hopState(i)
    if (s !== undefined) enforce(s)
  })
  const offClosed = node.onCircuitClosed(({ info }) => {
    if (info.role === 'initiator') {
      // The last partial chunk is paid at close, so an honest payer leaves no debt behind.
      const state = own.get(info.id)
      if (state !== undefined) state.final = info
      if (state?.paying !== true && state?.retrying !== true) payOwn(info, 1n)
      const now = own.get(info.id)
      if (now === undefined) return
      now.final = info
      dropIfDone(info.id, now)
      return
    }
    const s = hopsById.get(info.id)
    if (s === undefined) return
    s.carried = info.bytesBackward
    s.closed = true
    closedKept.push(s)
    while (closedKept.length > MAX_CLOSED_KEPT) {
      const old = closedKept.shift() as HopState
      const debt = residual(old)
      hopsById.delete(old.id)
      for (const [k, v] of hopsByLink) if (v === old) hopsByLink.delete(k)
      if (debt === 0n) continue
      const prior = arrears.get(old.prevPeer) ?? 0n
      arrears.delete(old.prevPeer)
      arrears.set(old.prevPeer, prior + debt)
      if (arrears.size > MAX_ARREARS_PEERS) arrears.delete(arrears.keys().next().value as string)
    }
  })

  return {
    stats() {
      const live = new Map(node.circuits().map((c) => [c.id, c]))
      let unsettledOwnBytes = 0n
      for (const [id, st] of own) {
        const owed = (st.final ?? live.get(id))?.bytesBackward ?? st.paidBase
        if (owed > st.paidBase) unsettledOwnBytes += owed - st.paidBase
      }
      for (const c of live.values())
        if (c.role === 'initiator' && !own.has(c.id)) unsettledOwnBytes += c.bytesBackward
      let unsettledForward = 0n
      for (const h of hopsById.values()) unsettledForward += h.owedNext + h.inFlight
      return {
        paid,
        received,
        kept: received - forwarded,
        refused,
        cutUnpaid,
        unsettledOwnBytes,
        unsettledForward,
        inFlight: pending.size,
        abandoned,
      }
    },
    unpaid() {
      const peers = new Set([...hopsById.values()].map((s) => s.prevPeer))
      return new Map([...peers].map((p) => [p, unpaidOf(p)]))
    },
    cuts: () => cutLog.map((c) => ({ ...c })),
    async flush() {
      for (let i = 0; i < 100; i++) {
        for (const info of node.circuits()) if (info.role === 'initiator') payOwn(info, 1n)
        if (pending.size === 0) return
        await Promise.allSettled([...pending])
      }
    },
    stop() {
      stopped = true
      retries.abort()
      offCarried()
      offClosed()
    },
  }
}

/** An in-memory payment network: one port per peer id, balances in token bytes (tests, simulator). */
export interface MemoryPayments {
  port(peerId: string): PaymentPort
  /** Tokens received minus tokens paid. */
  balance(peerId: string): bigint
}

/** Creates the in-memory adapter: a payment reaches the payee's handler on the next microtask. */
export function createMemoryPayments(): MemoryPayments {
  const handlers = new Map<string, PaymentHandler>()
  const balances = new Map<string, bigint>()
  const add = (peer: string, v: bigint): void => void balances.set(peer, (balances.get(peer) ?? 0n) + v)
  return {
    port: (peerId) => ({
      async pay(to, payment) {
        await Promise.resolve()
        const h = handlers.get(to)
        if (h === undefined || !h.check(peerId, payment)) return 'refused'
        add(peerId, -payment.amount)
        add(to, payment.amount)
        h.credit(peerId, payment)
        return 'accepted'
      },
      onPayment(handler) {
        handlers.set(peerId, handler)
      },
    }),
    balance: (peerId) => balances.get(peerId) ?? 0n,
  }
}
