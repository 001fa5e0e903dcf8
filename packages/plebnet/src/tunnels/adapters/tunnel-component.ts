import {
  BaseError,
  bytesToHex,
  createSignatureVerifier,
  type BlockSigner,
  type Clock,
  type Logger,
  type Rng,
} from '@dolly/base'
import {
  createLibp2pTunnelTransport,
  type AgentNetwork,
  type Libp2pHost,
  type Libp2pTunnelTransport,
  type TunnelNeighbourBytes,
} from '@dolly/overlay'
import {
  createNetExitConnector,
  createTunnelNode,
  createTunnelPayments,
  LINK_PROBE_IDLE_MS,
  type CircuitInfo,
  type ExitPolicy,
  type Transport,
  type TunnelNode,
  type TunnelNodeOptions,
  type TunnelPayments,
  type TunnelPaymentsOptions,
} from '@dolly/tunnels'
import { createTunnelAdmission, type TunnelAdmission, type TunnelAdmissionOptions } from '../admission.ts'
import { advertisesRelay, createDebtGossip, recordCuts, type DebtGossip } from '../debt-gossip.ts'
import { hopDescriptors } from '../directory.ts'
import type { TunnelLedger } from './tunnel-ledger.ts'
import { loadOrCreateTunnelSecret } from './tunnel-key.ts'
import type { TunnelsStatus } from '../tunnel-status.ts'

/** How long a hop advertisement is valid, ms; it is re-signed every third of that. */
export const HOP_TTL_MS = 30 * 60_000

/** Ports of the tunnel component: the running overlay and its libp2p node come from the network component. */
export interface TunnelComponentDeps {
  readonly clock: Clock
  readonly rng: Rng
  readonly log: Logger
  readonly network: {
    network(): AgentNetwork | undefined
    host(): Libp2pHost | undefined
  }
  /**
   * The agent's identity (the overlay's origin). With it and payments, a relay or exit signs a debt
   * record for every initiator it cuts unpaid, publishes it as `debt/<id>` and refuses at admission
   * every peer a family or known agent recorded (debt-gossip.ts). Without it nothing is shared.
   */
  readonly identity?: BlockSigner
}

/** Options of the tunnel component. */
export interface TunnelComponentOptions {
  /** Agent home: `tunnel.key` lives there. */
  readonly home: string
  /** Joins other initiators' circuits as a middle hop (every agent does; a user's proxy does not). */
  readonly relay: boolean
  /** Joins circuits as their last hop under `exitPolicy` (AGENT.md §10 `exitNode`). */
  readonly exit: boolean
  readonly exitPolicy?: ExitPolicy
  /** Signs and gossips `hop/<id>` (default: when relay or exit). */
  readonly advertise?: boolean
  /**
   * Admission seam (Model 0, ALGORITHMS.md §7): whether frames from this neighbour (libp2p peer id)
   * are served at all; refused frames are dropped and counted. Default: everyone.
   */
  readonly admit?: (peerId: string) => boolean
  /** Limits and timeouts of the tunnel node (tests shorten them). */
  readonly node?: Omit<
    TunnelNodeOptions,
    'identitySecret' | 'relay' | 'exit' | 'exitPolicy' | 'directory' | 'admit'
  >
  readonly hopTtlMs?: number
  /**
   * Tunnel payments over the agent's ledger (issue 16): with them the node pays its own circuits'
   * first hop (unless `pay` is false), and as a relay or exit is paid, forwards the rest, cuts
   * circuits whose unpaid bytes pass the cap (TUNNEL_UNPAID), and admits requesters on every CREATE
   * by `createTunnelAdmission` with their ledger balance. Without them nothing is paid or checked.
   */
  readonly payments?: TunnelLedger
  /** Limits of the payment engine (tests shorten them); the rule comes from `payments`. */
  readonly paymentOptions?: Pick<TunnelPaymentsOptions, 'payEveryBytes' | 'unpaidCapBytes'>
  readonly admissionOptions?: TunnelAdmissionOptions
}

/** The tunnel node as a daemon component (`DaemonComponent` of daemon/daemon.ts). */
export interface TunnelComponent {
  readonly name: 'tunnels'
  start(): Promise<void>
  stop(): Promise<void>
  /** The running tunnel node (to build circuits through), once started. */
  node(): TunnelNode | undefined
  /** The status block, once started. */
  status(): TunnelsStatus | undefined
  /** Bytes to and from each neighbour (for per-neighbour accounting), once started. */
  neighbours(): readonly TunnelNeighbourBytes[]
  /**
   * The payments block as `stop()` left it: after own circuits' last payments were flushed, before the
   * node closed them (`unsettled.ownBytes` 0: the user paid for every byte). Undefined before a stop
   * or without payments.
   */
  finalPayments(): TunnelsStatus['payments']
}

interface Totals {
  relayed: number
  exited: number
  up: bigint
  down: bigint
  exitOut: bigint
  exitIn: bigint
}

const addCircuit = (t: Totals, c: CircuitInfo): void => {
  if (c.role === 'initiator') return
  if (c.role === 'relay') t.relayed += 1
  else t.exited += 1
  t.up += c.bytesForward
  t.down += c.bytesBackward
  t.exitOut += c.exitBytesOut
  t.exitIn += c.exitBytesIn
}

/** Longest `stop()` waits for own circuits' last payments, ms (beyond one busy signer's retry, 10 s). */
const FLUSH_DEADLINE_MS = 15_000
/** How long the set of listed relays is reused before it is read from the directory again, ms. */
const RELAYS_CACHE_MS = 1_000

const withDeadline = async (p: Promise<void>, ms: number): Promise<void> => {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([
    p.catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms)
    }),
  ])
  clearTimeout(timer)
}

/** Whether a neighbour is a listed relay (the directory's view), re-read at most every second. */
function relays(network: AgentNetwork, clock: Clock): (peerId: string) => boolean {
  let at = -Infinity
  let set = new Set<string>()
  return (peerId) => {
    const now = clock.nowMs()
    if (now - at >= RELAYS_CACHE_MS) {
      set = new Set(hopDescriptors(network.hops()).flatMap((h) => (h.relay ? [h.peerId] : [])))
      at = now
    }
    return set.has(peerId)
  }
}

/** The status block's `payments` part, when the node runs payments. */
function paymentsStatus(
  ledger: TunnelLedger | undefined,
  payments: TunnelPayments | undefined,
): Pick<TunnelsStatus, 'payments'> {
  if (ledger === undefined) return {}
  const s = payments?.stats()
  return {
    payments: {
      rule: ledger.rule,
      paid: String(s?.paid ?? 0n),
      received: String(s?.received ?? 0n),
      earned: String(s?.kept ?? 0n),
      balance: String(ledger.ownBalance() ?? 0n),
      cutUnpaid: s?.cutUnpaid ?? 0,
      refused: s?.refused ?? 0,
      unsettled: {
        ownBytes: String(s?.unsettledOwnBytes ?? 0n),
        forwardTokens: String(s?.unsettledForward ?? 0n),
        inFlight: s?.inFlight ?? 0,
        abandoned: s?.abandoned ?? 0,
      },
    },
  }
}

/**
 * Runs a tunnel node (issue 16) on the overlay's libp2p node: link frames on `/dolly/tunnels/1.0.0`,
 * the directory from the overlay's `hop/<id>` entries, and, while it relays or exits, its own
 * `hop/<id>` advertisement re-signed every third of its lifetime. Starts after the network
 * component. Idle it holds no buffers: the transport queues only while frames are in flight.
 */
export function createTunnelComponent(
  deps: TunnelComponentDeps,
  options: TunnelComponentOptions,
): TunnelComponent {
  const log = deps.log.child({ component: 'tunnels' })
  const advertise = options.advertise ?? (options.relay || options.exit)
  const hopTtlMs = options.hopTtlMs ?? HOP_TTL_MS
  const closed: Totals = { relayed: 0, exited: 0, up: 0n, down: 0n, exitOut: 0n, exitIn: 0n }
  let refused = 0
  let final: TunnelsStatus['payments']
  let running:
    | {
        readonly node: TunnelNode
        readonly transport: Libp2pTunnelTransport
        readonly network: AgentNetwork
        readonly controller: AbortController
        readonly loop: Promise<void>
        readonly payments: TunnelPayments | undefined
        readonly admission: TunnelAdmission | undefined
        readonly unsubscribe: readonly (() => void)[]
      }
    | undefined
  let starting: Promise<void> | undefined

  const advertiseLoop = async (
    node: TunnelNode,
    network: AgentNetwork,
    signal: AbortSignal,
  ): Promise<void> => {
    while (!signal.aborted) {
      network.publishHop({
        tunnelKey: bytesToHex(node.publicKey),
        relay: options.relay,
        exit: options.exit,
        expiresMs: deps.clock.nowMs() + hopTtlMs,
      })
      try {
        await deps.clock.sleep(Math.max(1, Math.floor(hopTtlMs / 3)), { signal })
      } catch {
        return
      }
    }
  }

  return {
    name: 'tunnels',
    async start() {
      if (running !== undefined) return
      starting ??= (async () => {
        const host = deps.network.host()
        const network = deps.network.network()
        if (host === undefined || network === undefined)
          throw new BaseError(
            'BASE_INVALID_OPTION',
            'the tunnel component starts after the network component',
            {},
          )
        const secret = await loadOrCreateTunnelSecret(options.home, deps.rng)
        const transport = createLibp2pTunnelTransport({ host, log: deps.log })
        const admit = options.admit
        const gated: Transport =
          admit === undefined
            ? transport
            : {
                peerId: transport.peerId,
                send: (to, frame) => transport.send(to, frame),
                // Sealed cells go out as their chunks: without it the node joins each (a copy) and
                // `send` copies it again behind its length prefix.
                sendOwned: (to, chunks) => transport.sendOwned(to, chunks),
                onLinkDown: (handler) => transport.onLinkDown(handler),
                onFrameParts: (handler) =>
                  transport.onFrameParts((from, parts) => {
                    if (admit(from)) handler(from, parts)
                    else refused += 1
                  }),
                onFrame: (handler) =>
                  transport.onFrame((from, frame) => {
                    if (admit(from)) handler(from, frame)
                    else refused += 1
                  }),
              }
        const node = createTunnelNode(
          {
            transport: gated,
            clock: deps.clock,
            rng: deps.rng,
            logger: deps.log,
            ...(options.exit ? { connector: createNetExitConnector() } : {}),
          },
          {
            // Links to hosts that vanish without a FIN are found by probing (README "Link loss").
            linkProbeIdleMs: LINK_PROBE_IDLE_MS,
            ...options.node,
            identitySecret: secret,
            relay: options.relay,
            exit: options.exit,
            ...(options.exitPolicy === undefined ? {} : { exitPolicy: options.exitPolicy }),
            directory: () => hopDescriptors(network.hops()),
            admit: (peer) => admission === undefined || admission.admit(peer),
          },
        )
        node.onCircuitClosed(({ info }) => addCircuit(closed, info))
        const serves = options.relay || options.exit
        const ledger = options.payments
        let payments: TunnelPayments | undefined
        let admission: TunnelAdmission | undefined
        let debts: DebtGossip | undefined
        const unsubscribe: (() => void)[] = []
        if (ledger !== undefined) {
          const port = await ledger.start()
          const isRelay = relays(network, deps.clock)
          // A free rider (`pay` false, serving nobody) runs no engine: it never pays.
          if (serves || ledger.pay)
            payments = createTunnelPayments(
              { node, port, logger: deps.log, clock: deps.clock },
              { ...options.paymentOptions, rule: ledger.rule, isRelay },
            )
          if (serves && deps.identity !== undefined) {
            const gossip = createDebtGossip({
              clock: deps.clock,
              signer: deps.identity,
              verifier: createSignatureVerifier(),
              network,
            })
            debts = gossip
            if (payments !== undefined)
              unsubscribe.push(
                recordCuts({
                  node,
                  payments,
                  isRelay: (peer) => isRelay(peer) || advertisesRelay(network, peer),
                  debts: {
                    record(debtor, unpaid) {
                      gossip.record(debtor, unpaid)
                      log.info('tunnels.debt.recorded', { debtor, unpaid: String(unpaid) })
                    },
                  },
                }),
              )
          }
          if (serves)
            admission = createTunnelAdmission(
              {
                clock: deps.clock,
                node,
                balanceOf: (peer) => ledger.balanceOf(peer),
                ...(debts === undefined ? {} : { debtOf: debts.owed }),
              },
              options.admissionOptions,
            )
        }
        await transport.start()
        node.start()
        const controller = new AbortController()
        const loop = advertise ? advertiseLoop(node, network, controller.signal) : Promise.resolve()
        running = { node, transport, network, controller, loop, payments, admission, unsubscribe }
        log.info('tunnels.started', {
          peerId: transport.peerId,
          relay: options.relay,
          exit: options.exit,
          publicKey: bytesToHex(node.publicKey),
        })
      })()
      try {
        await starting
      } finally {
        starting = undefined
      }
    },
    async stop() {
      if (starting !== undefined) await starting.catch(() => undefined)
      const r = running
      if (r === undefined) return
      running = undefined
      r.controller.abort()
      await r.loop
      // What own circuits still owe below the payment interval is paid before they close (bounded).
      if (r.payments !== undefined) await withDeadline(r.payments.flush(), FLUSH_DEADLINE_MS)
      final = paymentsStatus(options.payments, r.payments).payments
      for (const off of r.unsubscribe) off()
      r.admission?.stop()
      r.payments?.stop()
      await options.payments?.stop()
      r.node.stop()
      await r.transport.stop()
      log.info('tunnels.stopped', {})
    },
    node: () => running?.node,
    neighbours: () => running?.transport.neighbours() ?? [],
    finalPayments: () => final,
    status() {
      const r = running
      if (r === undefined) return undefined
      const live: Totals = { relayed: 0, exited: 0, up: 0n, down: 0n, exitOut: 0n, exitIn: 0n }
      for (const c of r.node.circuits()) addCircuit(live, c)
      const d = r.transport.stats().dropped
      return {
        relay: options.relay,
        exit: options.exit,
        hopsKnown: r.network.hops().length,
        circuits: {
          relayedNow: live.relayed,
          exitedNow: live.exited,
          relayedTotal: live.relayed + closed.relayed,
          exitedTotal: live.exited + closed.exited,
        },
        bytesUp: String(live.up + closed.up),
        bytesDown: String(live.down + closed.down),
        exitBytesOut: String(live.exitOut + closed.exitOut),
        exitBytesIn: String(live.exitIn + closed.exitIn),
        framesDropped: d.queueFull + d.unreachable + d.oversized + d.refused + refused,
        ...paymentsStatus(options.payments, r.payments),
      }
    },
  }
}
