import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createMemoryLogger, createSeededRng } from '@dolly/base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateIdentity } from '@dolly/base'
import { peerIdOfKey } from '@dolly/overlay'
// @dolly/world's public index does not export its host provisioner yet (as in replication-helpers.ts).
import {
  createHostNetwork,
  createHostProvisioner,
  type HostProvisioner,
  type PlannedHostNetwork,
  type WorldHost,
} from '@dolly/world'

const AGENT_SCRIPT = join(import.meta.dirname, 'network-world-agent.ts')
const PORT = 8000

interface AgentReport {
  id: string
  addrs: string[]
  contacts: { id: string; addrs: string[] }[]
  remoteValues: number[]
  rejected: Record<string, number>
}

/** Runs the agent script with the pinned Node inside the host's network namespace (`ip netns exec`). */
function runAgent(host: WorldHost, args: readonly string[]): Promise<AgentReport> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', host.id, process.execPath, AGENT_SCRIPT, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000)
    child.on('close', (code) => {
      clearTimeout(timer)
      const line = out.trim().split('\n').pop() ?? ''
      if (code !== 0) reject(new Error(`agent on ${host.ip} exited ${code}: ${err.slice(-2000)}`))
      else resolve(JSON.parse(line) as AgentReport)
    })
  })
}

describe('agent network across world hosts', () => {
  let stateDir: string | undefined
  let network: PlannedHostNetwork | undefined
  let provisioner: HostProvisioner | undefined
  const hosts: WorldHost[] = []

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'dolly-netw-'))
    network = await createHostNetwork({ stateDir })
    provisioner = createHostProvisioner({ network, log: createMemoryLogger() }, { stateDir })
    for (let i = 0; i < 3; i++)
      hosts.push(await provisioner.create({ hostname: `gossip-${i}`, rootPassword: `pw-${i}` }))
  }, 120_000)

  afterAll(async () => {
    await provisioner?.destroyAll()
    await network?.stop()
    if (stateDir !== undefined) await rm(stateDir, { recursive: true, force: true })
  }, 120_000)

  it("three agents in different namespaces find each other from one bootstrap address and receive each other's Q-tables", async () => {
    const [first] = hosts
    if (first === undefined) throw new Error('no hosts')
    const seeds = hosts.map((_, i) => `world-agent-${i}`)
    const firstKey = generateIdentity(createSeededRng(seeds[0] ?? '')).publicKey
    const bootstrap = `/ip4/${first.ip}/tcp/${PORT}/p2p/${peerIdOfKey(firstKey).toString()}`
    const reports = await Promise.all(
      hosts.map((h, i) =>
        runAgent(h, [
          seeds[i] ?? '',
          h.ip,
          String(PORT),
          '2',
          String((i + 1) / 10),
          ...(i === 0 ? [] : [bootstrap]),
        ]),
      ),
    )
    reports.forEach((report, i) => {
      expect(report.addrs[0]).toContain(`/ip4/${hosts[i]?.ip}/tcp/${PORT}/p2p/`)
      const others = reports.filter((r) => r !== report)
      for (const other of others) {
        const contact = report.contacts.find((c) => c.id === other.id)
        // Contacts carry the other host's real address on the world bridge.
        expect(contact?.addrs[0]).toBe(other.addrs[0])
      }
      expect(report.remoteValues).toEqual([0.1, 0.2, 0.3].filter((v) => v !== (i + 1) / 10))
      expect(report.rejected).toEqual({})
    })
  }, 150_000)
})
