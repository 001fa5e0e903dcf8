/**
 * One family of the fleet simulator (issue 19), from its founder to the end of the run. Every
 * agent is plebnet's real `createAgent` over memory adapters: its real wallet on the family's
 * memory chain, a memory store, the family's virtual clock. The simulator only models the
 * environment (env-shop.ts, env-market.ts, the scenario's demand and events) and the parts of the
 * world an agent reaches over the network, as the smallest adapters: the installer (a child is
 * "installed" by creating the next real agent, with the genome and Q-table from learning's
 * `inheritGenome`/`inheritQTable` as `buildChildPayload` makes them), the heir probe (the family's
 * living agents), the ledger's earnings (the demand model) and the neighbours' gossiped Q-tables
 * (the family's latest tables, all of family standing, instead of the libp2p overlay).
 *
 * Time is event-driven: a priority queue holds each agent's next tick, its death, and the family's
 * daily and market steps; an agent that waits costs nothing. Families share nothing, so a family
 * runs alone from its own seed and any number of workers give the same result.
 */
import { createHash } from 'node:crypto'
import {
  createNullLogger,
  createSeededRng,
  createVirtualClock,
  errorCode,
  noCheckpoint,
  type Rng,
  type VirtualClock,
} from '@dolly/base'
import { createFixedRateSource, createHttpSession, paymentWalletFrom } from '@dolly/cloudomate'
import {
  createRootGenome,
  inheritGenome,
  inheritQTable,
  type Genome,
  type QTable,
  type RemoteEntry,
  type StrategyName,
} from '@dolly/learning'
import {
  agentOptionsFrom,
  childTreePath,
  createAgent,
  createMemoryAgentStore,
  readAgentConfig,
  type Agent,
  type AgentOptions,
  type AgentPorts,
  type AgentRecord,
  type ChildInstaller,
  type LifecycleState,
  type MemoryAgentStore,
  type TickReport,
} from '@dolly/plebnet'
import {
  createMemoryChain,
  createWallet,
  deriveAccount,
  deriveAddress,
  deriveChildRoot,
  networkParams,
  createMemoryWalletStore,
  seedToRoot,
  type HdNode,
  type MemoryChain,
} from '@dolly/wallet'
import { createEnvMarket, MB_BYTES, normalOf, type EnvMarket, type Seller } from './env-market.ts'
import { createEnvShop, type EnvServer, type EnvShop } from './env-shop.ts'
import { createEventQueue } from './event-queue.ts'
import type { FleetScenario, Scenario } from './scenario.ts'
export type { FleetScenario } from './scenario.ts'
import { countOrder, emptySummary, type FleetSummary } from './summary.ts'

/** Virtual start of every run: a fixed instant, so runs do not depend on the host's clock. */
export const FLEET_START_MS = 1_800_000_000_000
const DAY_MS = 86_400_000
const HOUR_MS = 3_600_000
const MINUTE_MS = 60_000
/** A tick that did something, or waits for a payment to confirm, looks again after this. */
const BUSY_RETRY_MS = 10 * MINUTE_MS
const VERSION = '0.1.0'
const network = networkParams('world')
/**
 * The simulated wallets' BIP44 gap limit (a real agent's is the wallet's default, 20). Addresses a
 * wallet handed out are scanned whatever the limit (its journal keeps the issued indexes); the gap
 * past them only finds coins paid to addresses it never issued, which in a fleet are index 0 (a
 * parent's dowry, a buyer's payment), inside a gap of 1. Each address costs an EC multiplication
 * (25–30 µs natively): a window of 2 × 20 per new agent was a quarter of a run. The default
 * scenario's summary (100 founders, seed 1) was byte-identical with 5 and 20, and its summary and
 * events (365 days) are byte-identical with 1 and 5; 1 derives 7 fewer public keys per agent than 5,
 * a third of them (`npm run bench:simulate` counts them for its EC floor).
 */
const SIM_GAP_LIMIT = 1

/** One line of the run's events (events.jsonl). */
export type FleetEvent =
  | {
      event: 'birth'
      day: number
      family: number
      tree: string
      generation: number
      provider: string
      option: string
      strategy: string
    }
  | {
      event: 'purchase'
      day: number
      family: number
      tree: string
      provider: string
      option: string
      priceSats: string
      ok: boolean
    }
  | {
      event: 'death'
      day: number
      family: number
      tree: string
      generation: number
      cause: string
      children: number
      handedOver: boolean
    }
  | { event: 'scenario'; day: number; family: number; change: string }

/**
 * A purchase item whose stage changed: paid (`ok`), or failed (`ok` false; `paid` tells whether
 * the order had been paid before it failed, or failed before any payment, e.g. refused).
 */
export interface PurchaseSeen {
  provider: string
  option: string
  priceSats: bigint
  ok: boolean
  paid: boolean
}

/** One simulated agent: the real agent and what the environment keeps about it. */
interface SimAgent extends Seller {
  readonly tree: string
  readonly generation: number
  readonly agent: Agent
  readonly store: MemoryAgentStore
  readonly rng: Rng
  readonly root: HdNode
  readonly provider: string
  readonly option: string
  readonly strategy: string
  readonly birthMs: number
  readonly deathAtMs: number
  readonly payScriptHex: string
  readonly closeWallet: () => void
  alive: boolean
  banned: boolean
  children: number
  nextChild: number
  /** Seq of the agent's one valid tick in the queue (older ones are stale). */
  tickSeq: number
  /** Stage of each purchase item seen so far, to report purchases once. */
  readonly seen: Map<string, string>
  /** The Q-table last put on the family's board. */
  published: QTable | undefined
  /** Per sender: the table already merged. */
  readonly used: Map<string, QTable>
}

type Happening =
  | { readonly kind: 'tick'; readonly agent: SimAgent }
  | { readonly kind: 'death'; readonly agent: SimAgent; readonly cause: 'lease-end' | 'banned' }
  | { readonly kind: 'day'; readonly day: number }
  | { readonly kind: 'market' }

/** What running one family gives back. */
export interface FamilyResult {
  readonly summary: FleetSummary
  /** The family's events as JSON lines, in order; empty unless asked for. */
  readonly events: readonly string[]
}

/** Options of one family's run. */
export interface FamilyOptions {
  readonly seed: number
  readonly family: number
  readonly days: number
  readonly recordEvents: boolean
  /** Called with each tick's report, or the code of its error (the agreement test watches the agents through it). */
  readonly onTick?: (tree: string, atMs: number, report: TickReport | { readonly error: string }) => void
}

/** Piecewise-linear MB earned per agent since the start, as the demand changes. */
interface EarningCurve {
  /** Bytes one agent earned from the start to `t`. */
  at(t: number): number
  setRate(t: number, bytesPerMs: number): void
}

function earningCurve(startMs: number, bytesPerMs: number): EarningCurve {
  const starts = [startMs]
  const bases = [0]
  const rates = [bytesPerMs]
  const at = (t: number): number => {
    // The last segment starting at or before t (binary search: a capped family changes its rate
    // at every birth and death, and agents ask from their birth).
    let lo = 0
    let hi = starts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if ((starts[mid] ?? 0) <= t) lo = mid
      else hi = mid - 1
    }
    return (bases[lo] ?? 0) + (rates[lo] ?? 0) * (t - (starts[lo] ?? 0))
  }
  return {
    at,
    setRate(t, rate) {
      bases.push(at(t))
      starts.push(t)
      rates.push(rate)
    },
  }
}

const bytesPerMs = (mbPerAgentDay: number, freeRiderShare: number): number =>
  (mbPerAgentDay * (1 - freeRiderShare) * MB_BYTES) / DAY_MS

const hex32 = (text: string): string => createHash('sha256').update(text).digest('hex')

/** The sell strategy drawn from the scenario's weights. */
function drawStrategy(mix: Scenario['founders']['strategyMix'], rng: Rng): StrategyName {
  const entries = Object.entries(mix).filter(([, w]) => w > 0) as [StrategyName, number][]
  const total = entries.reduce((s, [, w]) => s + w, 0)
  let u = rng.float() * total
  for (const [name, w] of entries) {
    if (u < w) return name
    u -= w
  }
  return entries[entries.length - 1]?.[0] ?? 'constant_sell'
}

/** The agent options every simulated agent runs with: the shipped config's, ticking every `tickHours`. */
export function simAgentOptions(tickHours: number): AgentOptions {
  const base = agentOptionsFrom({ ...readAgentConfig('', {}), btcGlobal: undefined })
  return { ...base, sell: { ...base.sell, tickMs: Math.round(tickHours * HOUR_MS) } }
}

/**
 * The family's world: its chain, clock, shops and market, and the factory of its real agents.
 * Exported for the agreement test, which drives the same agents by hand.
 */
export interface FamilyWorld {
  readonly clock: VirtualClock
  readonly chain: MemoryChain
  readonly shops: ReadonlyMap<string, EnvShop>
  readonly market: EnvMarket
  readonly options: AgentOptions
  readonly alive: Map<string, SimAgent>
  readonly curve: EarningCurve
  readonly envRng: Rng
  readonly normal: () => number
  /** Creates the family's founder, funded with the bootstrap. */
  founder(): Promise<SimAgent>
  /** Called when an agent installs a child (the child is already created). */
  onBirth: (child: SimAgent, parent: SimAgent, server: EnvServer) => void
  /** Pays fills to the agent's wallet; true when a payment was made. */
  payFills(a: SimAgent): boolean
  /** The agent's purchase items whose stage changed since last seen. */
  purchasesOf(a: SimAgent): PurchaseSeen[]
  /** Puts the agent's Q-table on the family's gossip board when it changed. */
  publish(a: SimAgent): void
}

/** Builds the family's world (chain, shops, market, board) over `scenario`, seeded by `seed` and `family`. */
export function createFamilyWorld(scenario: FleetScenario, seed: number, family: number): FamilyWorld {
  const envRng = createSeededRng(`fleet/${seed}/family/${family}/env`)
  const normal = normalOf(envRng)
  const clock = createVirtualClock(FLEET_START_MS)
  const chain = createMemoryChain({ network })
  const log = createNullLogger()
  const satsPerUsd = BigInt(scenario.satsPerUsd)
  const shopRoot = seedToRoot(createSeededRng(`fleet/${seed}/family/${family}/shops`).bytes(32), network)
  const shops = new Map<string, EnvShop>()
  scenario.providers.forEach((p, i) => {
    const account = deriveAccount(deriveChildRoot(shopRoot, i), network)
    shops.set(
      p.name,
      createEnvShop(
        {
          chain,
          clock,
          rng: envRng,
          ipPrefix: `10.${i}.${family}`,
          invoiceAddress: (n) => {
            const a = deriveAddress(account, network, 0, n)
            return { address: a.address, scriptHex: Buffer.from(a.script).toString('hex') }
          },
        },
        p,
        satsPerUsd,
      ),
    )
  })
  const drivers = new Map([...shops].map(([name, s]) => [name, s.driver]))
  const market = createEnvMarket(scenario, createSeededRng(`fleet/${seed}/family/${family}/market`))
  const options = simAgentOptions(scenario.tickHours)
  const rates = createFixedRateSource(clock, { USD: satsPerUsd })
  const sessionRng = createSeededRng(`fleet/${seed}/family/${family}/session`)
  const session = createHttpSession({
    send: () => Promise.reject(new Error('the simulated shops need no HTTP')),
    clock,
    rng: sessionRng,
  })
  const alive = new Map<string, SimAgent>()
  const curve = earningCurve(
    FLEET_START_MS,
    bytesPerMs(scenario.demand.mbPerAgentDay, scenario.demand.freeRiderShare),
  )
  /** The family's gossip board: each agent's latest Q-table, newest last. */
  const board = new Map<string, { table: QTable; atMs: number }>()
  const maxRemotes = 8
  /** Market trader numbers of the family's agents (0 is the buyers'). */
  let traders = 0

  const boardEntries = (self: string): RemoteEntry[] => {
    const out: RemoteEntry[] = []
    const trees = [...board.keys()]
    for (let i = trees.length - 1; i >= 0 && out.length < maxRemotes; i--) {
      const tree = trees[i] ?? ''
      const b = board.get(tree)
      if (tree === self || b === undefined) continue
      out.push({
        senderId: tree,
        receivedMs: b.atMs,
        table: b.table,
        standing: 'family',
        knownSinceMs: b.atMs,
      })
    }
    return out
  }

  const world: FamilyWorld = {
    clock,
    chain,
    shops,
    market,
    options,
    alive,
    curve,
    envRng,
    normal,
    onBirth: () => undefined,
    founder: async () => {
      const fp = scenario.providers.find((p) => p.name === scenario.founders.provider)
      const plan = fp?.plans[0]
      if (fp === undefined || plan === undefined) throw new Error('founder provider without plans')
      const strategy = drawStrategy(scenario.founders.strategyMix, envRng)
      const root = seedToRoot(createSeededRng(`fleet/${seed}/family/${family}/founder`).bytes(32), network)
      const tree = `f${family}`
      const priceSats = (BigInt(plan.monthlyCents) * satsPerUsd) / 100n + options.policy.feeReserveSats
      const record: AgentRecord = {
        format: 'dolly-agent',
        version: 1,
        tree,
        parent: null,
        contacts: [],
        childIndex: 0,
        testnet: false,
        exitNode: false,
        createdAtMs: clock.nowMs(),
        leaseEndMs: clock.nowMs() + fp.leaseDays * DAY_MS,
        selfState: { provider: fp.name, option: plan.name },
        selfPriceSats: priceSats.toString(),
      }
      const genome = createRootGenome({
        providers: scenario.providers.map((p) => p.name),
        version: VERSION,
        exitNode: false,
        strategy,
      })
      const a = await spawn({ record, root, genome, qtable: undefined, generation: 0, strategy })
      if (scenario.founders.bootstrapSats > 0) {
        chain.fund(a.payScriptHex, BigInt(scenario.founders.bootstrapSats))
        chain.mine(1)
      }
      return a
    },
    payFills(a) {
      if (a.pendingSats <= 0) return false
      chain.fund(a.payScriptHex, BigInt(Math.floor(a.pendingSats)))
      a.pendingSats -= Math.floor(a.pendingSats)
      return true
    },
    purchasesOf(a) {
      const state: LifecycleState | undefined = a.store.lifecycle.load()
      const out: PurchaseSeen[] = []
      for (const item of state?.items ?? []) {
        const before = a.seen.get(item.id)
        if (before === item.stage) continue
        a.seen.set(item.id, item.stage)
        const paid = item.stage !== 'buying' && item.stage !== 'failed'
        const wasPaid = before !== undefined && before !== 'buying' && before !== 'failed'
        const order = { provider: item.provider, option: item.option, priceSats: item.priceSats }
        if (paid && !wasPaid) out.push({ ...order, ok: true, paid: true })
        if (item.stage === 'failed' && before !== 'failed')
          out.push({ ...order, ok: false, paid: item.txid !== null })
      }
      return out
    },
    publish(a) {
      if (scenario.gossip !== 'family') return
      const q = a.store.qtable.peek()
      if (q === undefined || q === a.published) return
      a.published = q
      board.delete(a.tree)
      board.set(a.tree, { table: q, atMs: clock.nowMs() })
      if (board.size > 64) {
        const oldest = board.keys().next().value
        if (oldest !== undefined) board.delete(oldest)
      }
    },
  }

  async function spawn(input: {
    record: AgentRecord
    root: HdNode
    genome: Genome
    qtable: QTable | undefined
    generation: number
    strategy: string
    server?: EnvServer
  }): Promise<SimAgent> {
    const { record, root } = input
    const rng = createSeededRng(`fleet/${seed}/family/${family}/agent/${record.tree}`)
    const store = createMemoryAgentStore({
      record,
      genome: input.genome,
      ...(input.qtable === undefined ? {} : { qtable: input.qtable }),
    })
    // The journal lives as long as the agent (one process), so the in-memory store of the same
    // contract; the SQLite one cost a quarter of a run's time and gave the same summary.
    const walletStore = createMemoryWalletStore()
    const account = deriveAccount(root, network)
    const wallet = createWallet(
      { chain, store: walletStore, clock, logger: log },
      { network, account, maxFeePercent: 100n, gapLimit: SIM_GAP_LIMIT },
    )
    const pay = deriveAddress(account, network, 0, 0)
    const birthMs = clock.nowMs()
    const self: SimAgent = {
      trader: ++traders,
      earnedBytes: () => curve.at(clock.nowMs()) - curve.at(birthMs),
      soldBytes: 0,
      pendingSats: 0,
      asks: new Map(),
      tree: record.tree,
      generation: input.generation,
      agent: undefined as unknown as Agent,
      store,
      rng,
      root,
      provider: record.selfState?.provider ?? '',
      option: record.selfState?.option ?? '',
      strategy: input.strategy,
      birthMs,
      deathAtMs: record.leaseEndMs ?? birthMs,
      payScriptHex: Buffer.from(pay.script).toString('hex'),
      closeWallet: () => walletStore.close(),
      alive: true,
      banned: false,
      children: 0,
      nextChild: 0,
      tickSeq: -1,
      seen: new Map(),
      published: undefined,
      used: new Map(),
    }
    const installer: ChildInstaller = async (target) => {
      let server: EnvServer | undefined
      for (const s of shops.values()) server ??= s.server(target.ip)
      if (server === undefined) throw new Error(`no simulated server at ${target.ip}`)
      const index = self.nextChild++
      const tree = childTreePath(self.tree, index)
      const parentAddress = await target.handover.parentAddress?.()
      const parentGenome = store.genome.peek()
      if (parentGenome === undefined) throw new Error('a simulated agent always has a genome')
      const genome = inheritGenome(parentGenome, rng, { runningVersion: VERSION })
      const qtable = inheritQTable(
        store.qtable.peek() ?? null,
        scenario.gossip === 'family' ? boardEntries(self.tree) : [],
      )
      const childRecord: AgentRecord = {
        format: 'dolly-agent',
        version: 1,
        tree,
        parent: {
          publicKey: hex32(`${family}/${self.tree}`),
          tree: self.tree,
          host: '10.255.0.1',
          statusPort: 8480,
        },
        contacts: [],
        childIndex: 0,
        testnet: false,
        exitNode: false,
        createdAtMs: clock.nowMs(),
        ...(parentAddress === undefined ? {} : { parentAddress }),
        leaseEndMs:
          target.handover.leaseEndS === undefined ? server.expirationMs : target.handover.leaseEndS * 1000,
        ...(target.handover.state === null ? {} : { selfState: target.handover.state }),
        ...(target.handover.purchase === null ? {} : { selfPriceSats: target.handover.purchase.priceSats }),
      }
      const child = await spawn({
        record: childRecord,
        root: deriveChildRoot(root, index),
        genome,
        qtable: qtable ?? undefined,
        generation: input.generation + 1,
        strategy: genome.strategy.name,
        server,
      })
      self.children++
      world.onBirth(child, self, server)
      return { tree, index }
    }
    const ports: AgentPorts = {
      clock,
      rng,
      log,
      wallet,
      walletRoot: root,
      network,
      providers: {
        drivers,
        vpnDrivers: new Map(),
        purchase: {
          wallet: paymentWalletFrom(wallet),
          journal: store.journal,
          accounts: store.accounts,
          rates,
          clock,
          rng,
          log,
          network,
          newSession: () => session,
        },
      },
      installer,
      probe: (_host, tree) => {
        const a = alive.get(tree)
        return Promise.resolve(a !== undefined && a.store.lifecycle.load()?.heirPaid !== true)
      },
      ...(scenario.gossip === 'family'
        ? {
            overlay: {
              pending: () =>
                Promise.resolve({
                  entries: boardEntries(self.tree).filter((e) => self.used.get(e.senderId) !== e.table),
                }),
              markUsed: (taken: readonly RemoteEntry[]) => {
                for (const e of taken) self.used.set(e.senderId, e.table as QTable)
                return Promise.resolve()
              },
            },
          }
        : {}),
      ledger: {
        earnedMbSince: (sinceMs: number) => {
          const from = Math.max(sinceMs, birthMs)
          return Promise.resolve(Math.max(0, curve.at(clock.nowMs()) - curve.at(from)) / MB_BYTES)
        },
      },
      market: market.portOf(self, () => clock.nowMs()),
      store,
      checkpoint: noCheckpoint,
    }
    ;(self as { agent: Agent }).agent = createAgent(ports, options)
    alive.set(self.tree, self)
    return self
  }

  return world
}

/** When the agent ticks next after `report` (the agent sleeps until then and costs nothing). */
export function nextTickMs(
  report: TickReport,
  nowMs: number,
  tickMs: number,
  policy: AgentOptions['policy'],
): number | null {
  const state = report.state
  if (state === undefined) return nowMs + tickMs
  const sweepAt = state.expirationMs - policy.sweepBeforeMs
  if (state.heirPaid) {
    // One last look before the end: coins a child handed over since are sent on.
    const last = state.expirationMs - MINUTE_MS
    return last > nowMs + MINUTE_MS ? last : null
  }
  let next = nowMs + tickMs
  if (report.effects.length > 0 || report.idle === 'WAITING') {
    // Waiting on an item: wake when its own backoff ends (the agent's retry schedule), else soon.
    let due = Infinity
    for (const i of state.items)
      if (i.stage !== 'dowered' && i.stage !== 'failed' && i.nextTryMs > nowMs)
        due = Math.min(due, i.nextTryMs)
    next = due === Infinity ? nowMs + BUSY_RETRY_MS : Math.min(next, Math.max(due, nowMs + MINUTE_MS))
  }
  // The hand-over must run inside the sweep window: wake at its start.
  if (nowMs < sweepAt) next = Math.min(next, sweepAt + MINUTE_MS)
  return next
}

/** Runs family `family` of `scenario` for `days` days. */
export async function runFamily(scenario: FleetScenario, o: FamilyOptions): Promise<FamilyResult> {
  const world = createFamilyWorld(scenario, o.seed, o.family)
  const { clock, chain, market, alive, curve, normal } = world
  const providers = scenario.providers.map((p) => p.name)
  const summary = emptySummary(
    { scenario: scenario.name, seed: o.seed, days: o.days, families: 1 },
    providers,
  )
  const events: string[] = []
  const endMs = FLEET_START_MS + o.days * DAY_MS
  const tickMs = Math.round(scenario.tickHours * HOUR_MS)
  const marketMs = tickMs
  const queue = createEventQueue<Happening>()
  const dayOf = (t: number): number => Math.min(o.days - 1, Math.floor((t - FLEET_START_MS) / DAY_MS))
  const dayFrac = (t: number): number => Math.round(((t - FLEET_START_MS) / DAY_MS) * 10_000) / 10_000
  const emit = (e: FleetEvent): void => {
    if (o.recordEvents) events.push(JSON.stringify(e))
  }
  let dayStartMs = FLEET_START_MS
  let dirty = true
  const priceFactors = new Map<number, number>()
  const strategyOf = (name: string) =>
    (summary.strategies[name] ??= { agents: 0, children: 0, agentDays: 0, banned: 0, satsEarned: 0 })
  const born = (a: SimAgent): void => {
    summary.born++
    summary.bornByGeneration[a.generation] = (summary.bornByGeneration[a.generation] ?? 0) + 1
    const day = dayOf(clock.nowMs())
    summary.daily.births[day] = (summary.daily.births[day] ?? 0) + 1
    strategyOf(a.strategy).agents++
    emit({
      event: 'birth',
      day: dayFrac(clock.nowMs()),
      family: o.family,
      tree: a.tree,
      generation: a.generation,
      provider: a.provider,
      option: a.option,
      strategy: a.strategy,
    })
  }
  const schedule = (a: SimAgent, atMs: number): void => {
    a.tickSeq = queue.push(atMs, { kind: 'tick', agent: a }).seq
  }
  // The family's demand: each agent earns the scenario's rate until the family outgrows its users
  // (capacityAgents), then they share the family's traffic.
  const capacity = scenario.demand.capacityAgents
  let demandRate = bytesPerMs(scenario.demand.mbPerAgentDay, scenario.demand.freeRiderShare)
  let agentRate = demandRate
  const shareDemand = (): void => {
    const r =
      capacity === undefined || alive.size <= capacity ? demandRate : (demandRate * capacity) / alive.size
    if (r === agentRate) return
    agentRate = r
    curve.setRate(clock.nowMs(), r)
  }
  const earnedToday = (a: SimAgent, untilMs: number): number =>
    Math.max(0, curve.at(untilMs) - curve.at(Math.max(dayStartMs, a.birthMs))) / MB_BYTES
  world.onBirth = (child, _parent, server) => {
    born(child)
    shareDemand()
    schedule(child, clock.nowMs() + BUSY_RETRY_MS)
    queue.push(Math.min(server.expirationMs, child.deathAtMs), {
      kind: 'death',
      agent: child,
      cause: 'lease-end',
    })
  }
  const die = (a: SimAgent, cause: 'lease-end' | 'banned'): void => {
    if (!a.alive) return
    const now = clock.nowMs()
    a.alive = false
    alive.delete(a.tree)
    shareDemand()
    market.retire(a)
    const day = dayOf(now)
    summary.daily.deaths[day] = (summary.daily.deaths[day] ?? 0) + 1
    summary.daily.mbEarned[day] = (summary.daily.mbEarned[day] ?? 0) + earnedToday(a, now)
    summary.died++
    summary.deathsByCause[cause] = (summary.deathsByCause[cause] ?? 0) + 1
    const lifeDays = (now - a.birthMs) / DAY_MS
    summary.agentDays += lifeDays
    summary.mbEarned += a.earnedBytes() / MB_BYTES
    const s = strategyOf(a.strategy)
    s.children += a.children
    s.agentDays += lifeDays
    if (cause === 'banned') s.banned++
    const handedOver = a.store.lifecycle.load()?.heirPaid === true
    emit({
      event: 'death',
      day: dayFrac(now),
      family: o.family,
      tree: a.tree,
      generation: a.generation,
      cause,
      children: a.children,
      handedOver,
    })
    a.agent.close()
    a.closeWallet()
  }

  const founder = await world.founder()
  born(founder)
  schedule(founder, FLEET_START_MS)
  queue.push(founder.deathAtMs, { kind: 'death', agent: founder, cause: 'lease-end' })
  for (let d = 1; d <= o.days; d++) queue.push(FLEET_START_MS + d * DAY_MS, { kind: 'day', day: d })
  queue.push(FLEET_START_MS, { kind: 'market' })
  const dayEvents = new Map<number, FleetScenario['events']>()
  for (const e of scenario.events) dayEvents.set(e.day, [...(dayEvents.get(e.day) ?? []), e])
  const applyEvents = (day: number): void => {
    for (const e of dayEvents.get(day) ?? []) {
      let change: string
      if (e.kind === 'provider') {
        const shop = world.shops.get(e.provider)
        if (shop !== undefined) Object.assign(shop.behaviour, e.set)
        change = `${e.provider} ${JSON.stringify(e.set)}`
      } else if (e.kind === 'demand') {
        demandRate = bytesPerMs(e.mbPerAgentDay, scenario.demand.freeRiderShare)
        shareDemand()
        change = `demand ${e.mbPerAgentDay} MB per agent-day`
      } else {
        priceFactors.set(day, (priceFactors.get(day) ?? 1) * e.priceFactor)
        market.dayStep(() => 0, e.priceFactor)
        change = `buyers' prices ×${e.priceFactor}`
      }
      emit({ event: 'scenario', day, family: o.family, change })
    }
  }
  applyEvents(0)

  // Bounded: every happening moves time forward or is one of a bounded number at an instant.
  for (let guard = 0; guard < 50_000_000; guard++) {
    const next = queue.pop()
    if (next === undefined || next.atMs > endMs) break
    const wait = next.atMs - clock.nowMs()
    if (wait > 0) await clock.advance(wait)
    const h = next.item
    if (h.kind === 'tick') {
      const a = h.agent
      if (!a.alive || next.seq !== a.tickSeq) continue
      const owed = Math.floor(a.pendingSats)
      const paid = world.payFills(a)
      if (paid) strategyOf(a.strategy).satsEarned += owed
      if (paid || dirty) {
        chain.mine(1)
        dirty = false
      }
      let report: TickReport
      try {
        report = await a.agent.tick()
      } catch (err) {
        // The daemon logs a failed tick and ticks again after its interval: so does the simulator.
        const code = errorCode(err) ?? 'error'
        summary.tickErrors[code] = (summary.tickErrors[code] ?? 0) + 1
        o.onTick?.(a.tree, clock.nowMs(), { error: code })
        summary.ticks++
        dirty = true
        schedule(a, clock.nowMs() + tickMs)
        continue
      }
      summary.ticks++
      dirty = true
      o.onTick?.(a.tree, clock.nowMs(), report)
      world.publish(a)
      for (const p of world.purchasesOf(a)) {
        countOrder(summary, p, dayOf(clock.nowMs()))
        if (p.ok) {
          summary.purchases++
          summary.satsSpent += p.priceSats
          const day = dayOf(clock.nowMs())
          summary.daily.satsSpent[day] = (summary.daily.satsSpent[day] ?? 0) + Number(p.priceSats)
        } else summary.purchaseFailures++
        emit({
          event: 'purchase',
          day: dayFrac(clock.nowMs()),
          family: o.family,
          tree: a.tree,
          provider: p.provider,
          option: p.option,
          priceSats: p.priceSats.toString(),
          ok: p.ok,
        })
      }
      if (!a.alive) continue
      const at = nextTickMs(report, clock.nowMs(), tickMs, world.options.policy)
      if (at !== null && at < a.deathAtMs) schedule(a, at)
    } else if (h.kind === 'death') {
      die(h.agent, h.cause)
    } else if (h.kind === 'market') {
      const before = market.stats.satsPaid
      market.buyers(clock.nowMs(), marketMs / HOUR_MS, Math.min(alive.size, capacity ?? alive.size))
      const paid = market.stats.satsPaid - before
      const day = dayOf(clock.nowMs())
      summary.daily.satsEarned[day] = (summary.daily.satsEarned[day] ?? 0) + paid
      queue.push(clock.nowMs() + marketMs, { kind: 'market' })
    } else {
      // The end of day h.day - 1: count it, then the next day's bans, prices and events.
      const d = h.day - 1
      const now = clock.nowMs()
      let maxGen = 0
      for (const a of alive.values()) {
        summary.daily.mbEarned[d] = (summary.daily.mbEarned[d] ?? 0) + earnedToday(a, now)
        const series = summary.providers[a.provider]
        if (series !== undefined) series[d] = (series[d] ?? 0) + 1
        if (a.generation > maxGen) maxGen = a.generation
      }
      summary.daily.population[d] = alive.size
      summary.daily.families[d] = alive.size > 0 ? 1 : 0
      summary.daily.maxGeneration[d] = maxGen
      dayStartMs = now
      if (h.day >= o.days) continue
      for (const shop of world.shops.values()) shop.driftPrices(normal)
      market.dayStep(normal)
      applyEvents(h.day)
      for (const a of alive.values()) {
        const rate = world.shops.get(a.provider)?.behaviour.banRatePerDay ?? 0
        if (rate > 0 && !a.banned && world.envRng.float() < rate) {
          a.banned = true
          queue.push(now + Math.floor(world.envRng.float() * DAY_MS), {
            kind: 'death',
            agent: a,
            cause: 'banned',
          })
        }
      }
    }
  }
  // The end of the run: the living are counted, not killed.
  for (const a of alive.values()) {
    const lifeDays = (endMs - a.birthMs) / DAY_MS
    summary.agentDays += lifeDays
    summary.mbEarned += a.earnedBytes() / MB_BYTES
    const s = strategyOf(a.strategy)
    s.children += a.children
    s.agentDays += lifeDays
    a.agent.close()
    a.closeWallet()
  }
  summary.alive = alive.size
  summary.maxGeneration = summary.bornByGeneration.length - 1
  summary.mbSold = market.stats.bytesSold / MB_BYTES
  summary.satsEarned = BigInt(market.stats.satsPaid)
  for (const a of alive.values()) strategyOf(a.strategy)
  return { summary, events }
}
