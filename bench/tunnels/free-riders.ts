// Free-rider benchmark (issue 16 item 5), in one process, side by side in one run: four honest users
// download through 3-hop circuits over the memory network alone, then with four free riders beside
// them (two never pay, two pay half; every hop charges hop by hop). The runs alternate and the
// medians of honest users' wall-time throughput are compared. Goal: with free riders ≥ 0.8 × alone.
// The scenario is the slow test's (packages/tunnels/test/free-riders-scenario.ts); the test checks
// what hops are owed and what free riders got, this script the throughput ratio.
// Run: npm run bench:free-riders [-- --pairs 5 --json]
import {
  FREE_RIDER_PER_ROUND,
  FREE_RIDER_ROUNDS,
  HONEST_ONLY,
  MiB,
  runFreeRiders,
  WITH_FREE_RIDERS,
} from '../../packages/tunnels/test/free-riders-scenario.ts'

const HELP = `free-rider bench (issue 16 item 5): honest throughput with and without free riders
usage: npm run bench:free-riders [-- options]
  --pairs N   alone/mixed run pairs, alternating; medians compared (default 5)
  --json      print the report as JSON on stdout (progress on stderr)
  --help      this text
Each user downloads ${FREE_RIDER_ROUNDS} × ${FREE_RIDER_PER_ROUND / MiB} MiB through 3-hop circuits. Goal: ratio ≥ 0.8.`
if (process.argv.includes('--help')) {
  process.stdout.write(`${HELP}\n`)
  process.exit(0)
}
const at = process.argv.indexOf('--pairs')
const PAIRS = at > 0 ? Number(process.argv[at + 1]) : 5
if (!Number.isInteger(PAIRS) || PAIRS <= 0) {
  process.stderr.write('--pairs must be a positive integer\n')
  process.exit(2)
}
const JSON_OUT = process.argv.includes('--json')
const GOAL = 0.8
const progress = (line: string): void => void process.stderr.write(`${line}\n`)
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? (s[m] ?? NaN) : ((s[m - 1] ?? NaN) + (s[m] ?? NaN)) / 2
}

progress('warm-up (JIT, crypto)')
await runFreeRiders(['honest', 'honest'])
const alone: number[] = []
const mixed: number[] = []
const riderMiB: number[] = []
for (let i = 0; i < PAIRS; i++) {
  const a = await runFreeRiders(HONEST_ONLY)
  const m = await runFreeRiders(WITH_FREE_RIDERS)
  const expected = HONEST_ONLY.length * FREE_RIDER_ROUNDS * FREE_RIDER_PER_ROUND
  if (a.honestBytes !== expected || m.honestBytes !== expected)
    throw new Error(`honest users got ${a.honestBytes} / ${m.honestBytes} bytes, not ${expected}`)
  alone.push(a.honestMiBps)
  mixed.push(m.honestMiBps)
  riderMiB.push(m.riderBytes / MiB)
  progress(
    `pair ${i + 1}/${PAIRS}: alone ${a.honestMiBps.toFixed(1)} MiB/s, with free riders ${m.honestMiBps.toFixed(1)} MiB/s (free riders got ${(m.riderBytes / MiB).toFixed(1)} MiB)`,
  )
}
const aloneMiBps = median(alone)
const mixedMiBps = median(mixed)
const ratio = mixedMiBps / aloneMiBps
const report = {
  pairs: PAIRS,
  aloneMiBps,
  mixedMiBps,
  ratio,
  goal: GOAL,
  met: ratio >= GOAL,
  riderMiBMedian: median(riderMiB),
  honestMiBPerRun: (HONEST_ONLY.length * FREE_RIDER_ROUNDS * FREE_RIDER_PER_ROUND) / MiB,
  runs: { alone, mixed, riderMiB },
}
if (JSON_OUT) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`)
else
  process.stdout.write(
    [
      `honest alone            ${aloneMiBps.toFixed(1)} MiB/s (median of ${PAIRS})`,
      `with 50 % free riders   ${mixedMiBps.toFixed(1)} MiB/s (median of ${PAIRS})`,
      `ratio                   ${ratio.toFixed(2)}  goal ≥ ${GOAL}  ${report.met ? 'met' : 'MISSED'}`,
      `free riders got         ${report.riderMiBMedian.toFixed(1)} MiB (median) beside ${report.honestMiBPerRun} MiB honest`,
    ].join('\n') + '\n',
  )
