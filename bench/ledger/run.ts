// Ledger benchmark (issue 9): blocks created + signed + validated + stored per second on one core,
// next to the Ed25519 sign+verify bound measured in the same run with the same library
// (node:crypto), then the time to re-validate the whole chain (100,000 blocks by default) from the
// sqlite store.
// Run: node_modules/.bin/node bench/ledger/run.ts [--blocks 100000] [--rounds 10]
//
// Rates are per CPU-second of this process (process.cpuUsage: user + system, so sqlite's write
// syscalls count), which is what "per second on one core" means and stays meaningful when other
// processes share the machine; wall-clock ratios are printed beside them. To cancel drift (other
// load, CPU frequency), the run alternates short slices: bound, ledger with one commit per block,
// bound, ledger with 100 blocks per commit, bound; each slice's ratio uses the bounds around it, and
// the median over rounds is reported.
// Every block's signature is checked on the way in and again during re-validation.
import { generateKeyPairSync, sign, verify } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { createCryptoRng, createSystemClock } from '@dolly/base'
import { bandwidthRules, createLedger, openSqliteLedgerStore, verifyStoredChain } from '@dolly/ledger'
import { createSignatureVerifier, generateIdentity } from '@dolly/base'

const arg = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(name)
  return at > 0 ? Number(process.argv[at + 1]) : fallback
}
const BLOCKS = arg('--blocks', 100_000)
const ROUNDS = arg('--rounds', 10)
if (!Number.isSafeInteger(ROUNDS) || ROUNDS < 1 || !Number.isSafeInteger(BLOCKS) || BLOCKS < ROUNDS * 500) {
  throw new Error('--rounds must be a positive integer and --blocks at least 500 per round')
}
const BLOCK_MESSAGE_BYTES = 227 // a bandwidth half-block's signed packing
const BOUND_OPS = 1500

interface Rate {
  perCpuSecond: number
  perWallSecond: number
}

/** Runs `work` (which returns how many operations it did) and measures CPU and wall time. */
function measure(work: () => number): Rate {
  const cpu0 = process.cpuUsage()
  const wall0 = performance.now()
  const n = work()
  const cpu = process.cpuUsage(cpu0)
  const wallSeconds = (performance.now() - wall0) / 1000
  return { perCpuSecond: n / ((cpu.user + cpu.system) / 1e6), perWallSecond: n / wallSeconds }
}

const keys = generateKeyPairSync('ed25519')
/** Ed25519 sign + verify of one block-sized message: the bound a ledger block cannot beat. */
const signVerify = (count: number): Rate =>
  measure(() => {
    const message = new Uint8Array(BLOCK_MESSAGE_BYTES).fill(0x42)
    for (let i = 0; i < count; i++) {
      message[0] = i & 0xff
      const sig = sign(null, message, keys.privateKey)
      if (!verify(null, message, keys.publicKey, sig)) throw new Error('self-check failed')
    }
    return count
  })
const verifyOnly = (count: number): Rate =>
  measure(() => {
    const message = new Uint8Array(BLOCK_MESSAGE_BYTES).fill(1)
    const sig = sign(null, message, keys.privateKey)
    for (let i = 0; i < count; i++)
      if (!verify(null, message, keys.publicKey, sig)) throw new Error('self-check failed')
    return count
  })
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2
}
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US')
const r3 = (n: number): number => Number(n.toFixed(3))

const dir = mkdtempSync(join(tmpdir(), 'dolly-ledger-bench-'))
try {
  const rng = createCryptoRng()
  const me = generateIdentity(rng)
  const peer = generateIdentity(rng).publicKey
  const store = openSqliteLedgerStore(join(dir, 'state.sqlite'))
  const ledger = createLedger({ store, signer: me, clock: createSystemClock() })
  let made = 0
  const propose = (): void => void ledger.proposeBandwidth(peer, BigInt(made++ % 3) << 20n, 1n << 20n)

  // Warm-up (JIT) of every measured path on a scratch store, so no slice pays for compilation.
  signVerify(2000)
  const scratch = openSqliteLedgerStore(join(dir, 'warmup.sqlite'))
  const warm = createLedger({ store: scratch, signer: me, clock: createSystemClock() })
  for (let i = 0; i < 2000; i++) warm.proposeBandwidth(peer, 0n, 1n << 20n)
  warm.batch(() => {
    for (let i = 0; i < 2000; i++) warm.proposeBandwidth(peer, 0n, 1n << 20n)
  })
  scratch.close()

  const perRound = Math.floor(BLOCKS / ROUNDS)
  const singlePerRound = Math.max(100, Math.floor(perRound / 5))
  const batchedPerRound = perRound - singlePerRound
  const single: { cpu: number; wall: number; rate: number }[] = []
  const batched: { cpu: number; wall: number; rate: number }[] = []
  const bounds: number[] = []
  let before = signVerify(BOUND_OPS)
  for (let round = 0; round < ROUNDS; round++) {
    // One commit per block: a lone proposal.
    const s = measure(() => {
      for (let i = 0; i < singlePerRound; i++) propose()
      return singlePerRound
    })
    const middle = signVerify(BOUND_OPS)
    // 100 blocks per commit (`ledger.batch`), as a crawl reply is stored.
    const b = measure(() => {
      for (let i = 0; i < batchedPerRound; i += 100)
        ledger.batch(() => {
          for (let j = i; j < Math.min(i + 100, batchedPerRound); j++) propose()
        })
      return batchedPerRound
    })
    const after = signVerify(BOUND_OPS)
    const around = (x: Rate, y: Rate) => ({
      cpu: (x.perCpuSecond + y.perCpuSecond) / 2,
      wall: (x.perWallSecond + y.perWallSecond) / 2,
    })
    const boundS = around(before, middle)
    const boundB = around(middle, after)
    single.push({
      cpu: s.perCpuSecond / boundS.cpu,
      wall: s.perWallSecond / boundS.wall,
      rate: s.perCpuSecond,
    })
    batched.push({
      cpu: b.perCpuSecond / boundB.cpu,
      wall: b.perWallSecond / boundB.wall,
      rate: b.perCpuSecond,
    })
    bounds.push(before.perCpuSecond, middle.perCpuSecond)
    before = after
  }
  bounds.push(before.perCpuSecond)

  const verifier = createSignatureVerifier()
  let problems = 0
  let checked = 0
  const wall0 = performance.now()
  const revalidate = measure(() => {
    const report = verifyStoredChain(store, me.publicKey, verifier, { tribler_bandwidth: bandwidthRules })
    problems = report.problems.length
    checked = report.blocks
    return report.blocks
  })
  const verifySeconds = (performance.now() - wall0) / 1000
  const verifyBound = verifyOnly(10_000)
  store.close()
  if (problems > 0 || checked !== made)
    throw new Error(`the chain does not verify: ${problems} problems in ${checked} of ${made}`)

  const summary = (xs: { cpu: number; wall: number; rate: number }[]) => ({
    blocksPerCpuSecond: Math.round(median(xs.map((x) => x.rate))),
    ratio: r3(median(xs.map((x) => x.cpu))),
    ratioMin: r3(Math.min(...xs.map((x) => x.cpu))),
    ratioMax: r3(Math.max(...xs.map((x) => x.cpu))),
    ratioWall: r3(median(xs.map((x) => x.wall))),
  })
  const result = {
    node: process.version,
    blocks: made,
    rounds: ROUNDS,
    ed25519SignVerifyPerCpuSecond: Math.round(median(bounds)),
    oneCommitPerBlock: summary(single),
    batched100: summary(batched),
    goalRatio: 0.8,
    revalidate: {
      blocks: checked,
      wallSeconds: r3(verifySeconds),
      blocksPerCpuSecond: Math.round(revalidate.perCpuSecond),
      ratioToVerifyBound: r3(revalidate.perCpuSecond / verifyBound.perCpuSecond),
    },
  }
  const line = (name: string, x: ReturnType<typeof summary>): string =>
    `${name}: ${fmt(x.blocksPerCpuSecond)} blocks/cpu-s, ratio ${x.ratio} (rounds ${x.ratioMin}..${x.ratioMax}; wall ${x.ratioWall})`
  console.log(
    `Ed25519 sign+verify bound      : ${fmt(result.ed25519SignVerifyPerCpuSecond)} /cpu-s (node:crypto, ${BLOCK_MESSAGE_BYTES}-byte message, median of ${bounds.length})`,
  )
  console.log(line('ledger, one commit per block   ', result.oneCommitPerBlock))
  console.log(`${line('ledger, 100 blocks per commit  ', result.batched100)}  goal >= 0.8`)
  console.log(
    `re-validate ${fmt(checked)}-block chain: ${result.revalidate.wallSeconds} s wall, ${fmt(revalidate.perCpuSecond)} blocks/cpu-s = ${result.revalidate.ratioToVerifyBound} of Ed25519 verify alone (${fmt(verifyBound.perCpuSecond)}/cpu-s)`,
  )
  console.log(JSON.stringify(result))
} finally {
  rmSync(dir, { recursive: true, force: true })
}
