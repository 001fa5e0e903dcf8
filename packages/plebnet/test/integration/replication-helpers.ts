/**
 * Shared pieces of the replication integration tests: a world network with hosts (real namespaces,
 * real sshd), and the `plebnet` CLI run as a real process with the pinned Node.
 */
import { spawn } from 'node:child_process'
import { cp, mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createMemoryLogger } from '@dolly/base'
import {
  cleanupLeftovers,
  createHostNetwork,
  createHostProvisioner,
  type HostProvisioner,
  type PlannedHostNetwork,
  type WorldHost,
} from '@dolly/world'

/** The repository root. */
export const REPO_ROOT = resolve(import.meta.dirname, '..', '..', '..', '..')

/**
 * A frozen copy of the agent's app (root package.json, the workspace packages but world, links to
 * the installed dependencies), so the parent's copy-self bundle stays the same while other people
 * edit the working tree during a run; a test that expects "nothing pushed" needs that.
 */
export async function snapshotApp(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dolly-app-'))
  await cp(join(REPO_ROOT, 'package.json'), join(dir, 'package.json'))
  const packages = (await readdir(join(REPO_ROOT, 'packages'))).filter((p) => p !== 'world')
  for (const pkg of packages) {
    await cp(join(REPO_ROOT, 'packages', pkg), join(dir, 'packages', pkg), {
      recursive: true,
      filter: (src) => !src.includes('node_modules'),
    })
  }
  await mkdir(join(dir, 'node_modules', '@dolly'), { recursive: true })
  for (const entry of await readdir(join(REPO_ROOT, 'node_modules'))) {
    if (entry === '@dolly' || entry.startsWith('.')) continue
    await symlink(join(REPO_ROOT, 'node_modules', entry), join(dir, 'node_modules', entry))
  }
  for (const pkg of packages) await symlink(`../../packages/${pkg}`, join(dir, 'node_modules', '@dolly', pkg))
  return dir
}

/** A world network with a provisioner, torn down by `stop`. */
export interface TestWorld {
  readonly network: PlannedHostNetwork
  readonly provisioner: HostProvisioner
  readonly stateDir: string
  stop(): Promise<void>
}

/** Starts a private bridge and a host provisioner in a temp dir. */
export async function startTestWorld(): Promise<TestWorld> {
  const stateDir = await mkdtemp(join(tmpdir(), 'dolly-repl-'))
  const network = await createHostNetwork({ stateDir })
  const provisioner = createHostProvisioner({ network, log: createMemoryLogger() }, { stateDir })
  return {
    network,
    provisioner,
    stateDir,
    async stop() {
      await provisioner.destroyAll()
      await network.stop()
      await cleanupLeftovers(stateDir)
      await rm(stateDir, { recursive: true, force: true })
    },
  }
}

/** Result of one CLI run. */
export interface CliRun {
  readonly exitCode: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs `plebnet --home <home> ...args` with the pinned Node (process.execPath under vitest). */
export function runPlebnet(
  home: string,
  args: readonly string[],
  timeoutMs = 90_000,
  env: Readonly<Record<string, string>> = {},
  appRoot: string = REPO_ROOT,
): Promise<CliRun> {
  return new Promise((resolvePromise, reject) => {
    const bin = join(appRoot, 'packages', 'plebnet', 'bin', 'plebnet.js')
    const child = spawn(process.execPath, [bin, '--home', home, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, ...env },
      timeout: timeoutMs,
    })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (b: Buffer) => out.push(b))
    child.stderr.on('data', (b: Buffer) => err.push(b))
    child.on('error', reject)
    child.on('close', (code) =>
      resolvePromise({
        exitCode: code ?? -1,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    )
  })
}

/** Runs a command in a host and returns stdout; throws on a non-zero exit. */
export async function inHost(host: WorldHost, script: string): Promise<string> {
  const result = await host.exec(['bash', '-c', script])
  if (result.exitCode !== 0)
    throw new Error(`${script} in ${host.hostname}: exit ${result.exitCode}: ${result.stderr}`)
  return result.stdout
}
