// Gossip benchmark (issue 10): rounds until one new Q-table version reaches every node of an
// N-node overlay, next to the theory printed in the same run: log3 N (push-pull, Karp et al. 2000)
// and log2 N + ln N (push only, Frieze–Grimmett), plus bytes sent per node per round.
// Run: node_modules/.bin/node bench/gossip/run.ts [--sizes 100,1000] [--trials 3] [--warmup 10]
//
// The overlay is the real protocol code (signed envelopes, CYCLON, push-pull anti-entropy) on the
// in-memory transport and a virtual clock; only the wire is simulated. First `--warmup` CYCLON
// shuffle rounds randomize the views from a chain-of-introductions start; then one agent
// publishes a Q-table and rounds of anti-entropy run (each agent starts one exchange with a random
// view neighbour per round, all rounds' exchanges started together) until every agent holds it.
// Bytes count every envelope sent, requests and replies, including digests of every contact.
import { performance } from 'node:perf_hooks'
import { createVirtualClock } from '@dolly/base'
import { createMemoryFleet } from '@dolly/overlay'
import { createQTable } from '@dolly/learning'

const arg = (name: string, fallback: string): string => {
  const at = process.argv.indexOf(name)
  return at > 0 ? (process.argv[at + 1] ?? fallback) : fallback
}
const SIZES = arg('--sizes', '100,1000').split(',').map(Number)
const TRIALS = Number(arg('--trials', '3'))
const WARMUP = Number(arg('--warmup', '10'))
const MAX_ROUNDS = 60
const ROUND_MS = 30_000

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2
}

interface Trial {
  readonly rounds: number
  readonly reachedAt99: number
  readonly bytesPerNodeRound: number
  readonly shuffleBytesPerNodeRound: number
  readonly wallMs: number
}

async function trial(n: number, seed: string): Promise<Trial> {
  const clock = createVirtualClock(1_700_000_000_000)
  const fleet = createMemoryFleet({ clock, seed, rounds: 'shuffle' })
  for (let i = 0; i < n; i++) await fleet.add(1)
  const sent = (): number => fleet.agents.reduce((sum, a) => sum + a.network.stats().bytesSent, 0)
  const started = performance.now()
  const before = sent()
  for (let r = 0; r < WARMUP; r++) {
    await clock.advance(10_000)
    await fleet.round()
  }
  const shuffleBytes = (sent() - before) / n / Math.max(1, WARMUP)
  await clock.advance(ROUND_MS)
  const origin = fleet.agents[0]
  if (origin === undefined) throw new Error('empty fleet')
  origin.network.publishQTable(createQTable(['alpha', 'beta', 'gamma']))
  const holders = (): number =>
    fleet.agents.filter((a) => a.network.entry('qtable', origin.network.id) !== undefined).length
  let rounds = 0
  let reachedAt99 = 0
  const gossipStart = sent()
  while (holders() < n && rounds < MAX_ROUNDS) {
    await clock.advance(ROUND_MS)
    await Promise.all(fleet.agents.map((a) => a.network.antiEntropyOnce()))
    rounds++
    if (reachedAt99 === 0 && holders() >= 0.99 * n) reachedAt99 = rounds
  }
  if (holders() < n) throw new Error(`update reached ${holders()}/${n} nodes in ${MAX_ROUNDS} rounds`)
  return {
    rounds,
    reachedAt99,
    bytesPerNodeRound: (sent() - gossipStart) / n / rounds,
    shuffleBytesPerNodeRound: shuffleBytes,
    wallMs: performance.now() - started,
  }
}

console.log(
  'gossip dissemination: rounds until one Q-table update reaches all N nodes (push-pull anti-entropy)',
)
console.log(
  'N | rounds to all (median, min-max) | to 99% | log3 N | log2 N + ln N | bytes/node/round anti-entropy | bytes/node/shuffle round | wall s/trial',
)
for (const n of SIZES) {
  const results: Trial[] = []
  for (let t = 0; t < TRIALS; t++) results.push(await trial(n, `bench-${n}-${t}`))
  const rounds = results.map((r) => r.rounds)
  const log3 = Math.log(n) / Math.log(3)
  const push = Math.log2(n) + Math.log(n)
  console.log(
    [
      n,
      `${median(rounds)} (${Math.min(...rounds)}-${Math.max(...rounds)})`,
      median(results.map((r) => r.reachedAt99)),
      log3.toFixed(1),
      push.toFixed(1),
      Math.round(median(results.map((r) => r.bytesPerNodeRound))),
      Math.round(median(results.map((r) => r.shuffleBytesPerNodeRound))),
      (median(results.map((r) => r.wallMs)) / 1000).toFixed(1),
    ].join(' | '),
  )
  console.log(
    `  ratio rounds/log3 N = ${(median(rounds) / log3).toFixed(2)}, rounds/(log2 N + ln N) = ${(median(rounds) / push).toFixed(2)}; ` +
      `anti-entropy traffic at one round per 30 s = ${(median(results.map((r) => r.bytesPerNodeRound)) / 30 / 1000).toFixed(2)} KB/s per node (target <= 5 KB/s)`,
  )
}
