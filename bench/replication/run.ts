// Replication benchmark (issue 7; ANCHORS.md §3): time from "server active" (a fresh world host
// whose sshd answers) to "child heartbeat" (create-child exits after the child's status API showed
// its first heartbeat), and bytes pushed, on real world hosts. The parent is the real `plebnet` CLI
// run as a process, as a user runs it, so Node's start-up is included.
// Run (root, Linux): node_modules/.bin/node bench/replication/run.ts [--rounds 3]
//
// Prints: a cold run (the copy-self bundle built and cached first), `rounds` warm runs on fresh hosts
// (the cached bundle: what a parent pays per child), and a rerun on an installed child (changes
// nothing). Target: warm ≤ 10 s.
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { createMemoryLogger } from '@dolly/base'
import { cleanupLeftovers, createHostNetwork, createHostProvisioner } from '@dolly/world'

const ROOT = resolve(import.meta.dirname, '..', '..')
const BIN = join(ROOT, 'packages', 'plebnet', 'bin', 'plebnet.js')
const at = process.argv.indexOf('--rounds')
const rounds = at === -1 ? 3 : Number(process.argv[at + 1])

interface Report {
  bytesPushed: number
  bundleBytes: number
  bundleBuilt: boolean
  totalMs: number
  steps: { step: string; ms: number; skipped: boolean }[]
}

function plebnet(home: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, '--home', home, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (b: Buffer) => (out += b.toString()))
    child.stderr.on('data', (b: Buffer) => (err += b.toString()))
    child.on('close', (code) => done({ code: code ?? -1, out, err }))
  })
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN
const stateDir = await mkdtemp(join(tmpdir(), 'dolly-bench-repl-'))
const home = await mkdtemp(join(tmpdir(), 'dolly-bench-parent-'))
const network = await createHostNetwork({ stateDir })
const provisioner = createHostProvisioner({ network, log: createMemoryLogger() }, { stateDir })
try {
  if ((await plebnet(home, ['setup', '--no-service', '--tree', 'bench'])).code !== 0)
    throw new Error('setup failed')
  const once = async (label: string, ip: string, password: string): Promise<Report & { wallMs: number }> => {
    const t0 = performance.now()
    const run = await plebnet(home, ['create-child', '-i', ip, '-p', password, '--json'])
    const wallMs = performance.now() - t0
    if (run.code !== 0) throw new Error(`${label}: exit ${run.code}: ${run.out}${run.err}`)
    const report = JSON.parse(run.out) as Report
    const steps = report.steps.map((s) => `${s.step} ${s.ms}${s.skipped ? '(skip)' : ''}`).join(', ')
    console.log(
      `${label.padEnd(8)} ${(wallMs / 1000).toFixed(2).padStart(6)} s (in create-child ${(report.totalMs / 1000).toFixed(2)} s)  pushed ${(report.bytesPushed / 1e6).toFixed(1).padStart(5)} MB  [${steps}]`,
    )
    return { ...report, wallMs }
  }
  const fresh = async (name: string) => {
    const host = await provisioner.create({ hostname: name, rootPassword: `${name}-pw` })
    return { host, ip: host.ip, password: `${name}-pw` }
  }
  const cold = await fresh('cold')
  const first = await once('cold', cold.ip, cold.password)
  const warm: number[] = []
  let bytes = 0
  for (let i = 0; i < rounds; i++) {
    const h = await fresh(`warm${i}`)
    const r = await once(`warm ${i}`, h.ip, h.password)
    warm.push(r.wallMs)
    bytes = r.bytesPushed
    await h.host.destroy()
  }
  const again = await once('rerun', cold.ip, cold.password)
  console.log('')
  console.log(
    `bundle: ${(first.bundleBytes / 1e6).toFixed(1)} MB gzip (built in the cold run: ${first.bundleBuilt})`,
  )
  console.log(
    `server active → child heartbeat, warm median of ${rounds}: ${(median(warm) / 1000).toFixed(2)} s (target ≤ 10 s); ${(bytes / 1e6).toFixed(1)} MB pushed`,
  )
  console.log(
    `cold (bundle built first): ${(first.wallMs / 1000).toFixed(2)} s; rerun on the installed child: ${(again.wallMs / 1000).toFixed(2)} s, ${again.bytesPushed} bytes pushed`,
  )
} finally {
  await provisioner.destroyAll()
  await network.stop()
  await cleanupLeftovers(stateDir)
  await rm(stateDir, { recursive: true, force: true })
  await rm(home, { recursive: true, force: true })
}
