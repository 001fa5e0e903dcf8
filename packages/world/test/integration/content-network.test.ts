import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { createMemoryLogger } from '@dolly/base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  cleanupContentLeftovers,
  startContentNetwork,
  type ContentNetwork,
} from '../../src/content/adapters/content-network.ts'
import { contentFile, contentSha256 } from '../../src/content/files.ts'
import {
  cleanupLeftovers,
  createHostNetwork,
  createHostProvisioner,
  type HostProvisioner,
  type PlannedHostNetwork,
  type WorldHost,
} from '../../src/hosts/index.ts'
import { isAlive, machineSnapshot } from './hosts-helpers.ts'

/** Fetches `url` from inside `host` with real curl; prints the body's SHA-256, or fails with curl's status. */
async function curlSha(host: WorldHost, url: string, maxTimeS: number) {
  return host.exec(
    ['bash', '-c', `set -o pipefail; curl -sS --max-time ${maxTimeS} "$1" | sha256sum`, '_', url],
    {
      timeoutMs: (maxTimeS + 10) * 1000,
    },
  )
}

/** Sends one UDP datagram to `ip:port` from inside `host` (bash's /dev/udp) and prints what comes back. */
async function udpEcho(host: WorldHost, ip: string, port: number, text: string) {
  return host.exec(
    [
      'bash',
      '-c',
      `exec 3<>/dev/udp/${ip}/${port}; printf %s "$1" >&3; timeout 3 head -c ${text.length} <&3`,
      '_',
      text,
    ],
    { timeoutMs: 10_000 },
  )
}

// Real namespaces and real curl: needs root (run under the world lock).
describe('content network', () => {
  let stateDir: string
  let network: PlannedHostNetwork
  let content: ContentNetwork
  let provisioner: HostProvisioner
  let agentHost: WorldHost
  let userHost: WorldHost
  const log = createMemoryLogger()

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'dolly-content-'))
    network = await createHostNetwork({ stateDir })
    content = await startContentNetwork({ index: network.index, stateDir, log })
    provisioner = createHostProvisioner({ network, log, contentBridge: content.bridge }, { stateDir })
    ;[agentHost, userHost] = await Promise.all([
      provisioner.create({ hostname: 'agent-host', rootPassword: 'pw-agent' }),
      provisioner.create({ hostname: 'user-host', rootPassword: 'pw-user', contentLink: false }),
    ])
  })

  afterAll(async () => {
    await provisioner?.destroyAll()
    await content?.stop()
    await network?.stop()
    if (stateDir !== undefined) {
      await cleanupLeftovers(stateDir)
      await cleanupContentLeftovers(stateDir)
      await rm(stateDir, { recursive: true, force: true })
    }
  })

  it('lives on its own subnet of the same world index, with no address on the machine', () => {
    expect(content.subnetCidr).toBe(`10.79.${network.index}.0/24`)
    expect(content.serverIp).toBe(`10.79.${network.index}.1`)
    const snapshot = machineSnapshot()
    expect(snapshot.links).toContain(content.bridge)
    expect(snapshot.netns).toContain(content.netns)
  })

  it('an agent host downloads a file whose SHA-256 is the catalogue digest, and gets its UDP echo', async () => {
    const file = contentFile('5MiB.bin')
    if (file === undefined) throw new Error('no 5MiB.bin')
    const got = await curlSha(agentHost, `${content.httpUrl}files/${file.name}`, 30)
    expect(got.exitCode, got.stderr).toBe(0)
    expect(got.stdout.split(' ')[0]).toBe(contentSha256(file))
    const echo = await udpEcho(agentHost, content.serverIp, Number(content.udpEcho.split(':')[1]), 'ping-17')
    expect(echo.stdout).toBe('ping-17')
  })

  it('a user host reaches neither service directly: it has no link there and the machine does not route', async () => {
    const links = await userHost.exec(['ip', '-o', 'link', 'show'])
    expect(links.stdout).not.toContain('eth1')
    const got = await curlSha(userHost, `${content.httpUrl}files/1MiB.bin`, 3)
    expect(got.exitCode).not.toBe(0)
    const echo = await udpEcho(userHost, content.serverIp, Number(content.udpEcho.split(':')[1]), 'ping-18')
    expect(echo.stdout).toBe('')
    // The user host does reach the world's own services on the bridge: what it lacks is the content link.
    const local = createServer((_req, res) => res.end('bridge ok'))
    await new Promise<void>((resolve) => local.listen(0, network.gatewayIp, resolve))
    try {
      const { port } = local.address() as AddressInfo
      const got2 = await userHost.exec([
        'curl',
        '-sS',
        '--max-time',
        '5',
        `http://${network.gatewayIp}:${port}/`,
      ])
      expect(got2.stdout, got2.stderr).toBe('bridge ok')
    } finally {
      local.closeAllConnections()
      await new Promise((r) => local.close(r))
    }
  })

  it('destroying a host removes its content link', async () => {
    const extra = await provisioner.create({ hostname: 'short-lived', rootPassword: 'pw-x' })
    const link = `dc${network.index}h${extra.ip.split('.')[3]}`
    expect(machineSnapshot().links).toContain(link)
    await extra.destroy()
    expect(machineSnapshot().links).not.toContain(link)
  })

  it('cleanupContentLeftovers removes what a crashed world left: server process, namespace, links, bridge', async () => {
    const crashDir = await mkdtemp(join(tmpdir(), 'dolly-content-crash-'))
    const moduleUrl = pathToFileURL(
      join(import.meta.dirname, '../../src/content/adapters/content-network.ts'),
    ).href
    // A stand-in world in its own process on a free index of its own, killed with SIGKILL.
    const index = network.index + 100 > 254 ? network.index - 100 : network.index + 100
    const code = [
      `const { startContentNetwork } = await import(${JSON.stringify(moduleUrl)})`,
      `const { createNullLogger } = await import('@dolly/base')`,
      `const c = await startContentNetwork({ index: ${index}, stateDir: ${JSON.stringify(crashDir)}, log: createNullLogger() })`,
      `console.log(JSON.stringify({ bridge: c.bridge, netns: c.netns, veth: c.vethServer }))`,
      `setInterval(() => {}, 1000)`,
    ].join('\n')
    const world = spawn(process.execPath, ['--input-type=module', '-e', code], {
      cwd: join(import.meta.dirname, '../../../..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    try {
      const line = await new Promise<string>((resolveLine, reject) => {
        let buffered = ''
        world.stdout.on('data', (b: Buffer) => {
          buffered += b.toString('utf8')
          if (buffered.includes('\n')) resolveLine(buffered.split('\n')[0] ?? '')
        })
        world.on('exit', (c) => reject(new Error(`stand-in world exited ${String(c)}`)))
      })
      const made = JSON.parse(line) as { bridge: string; netns: string; veth: string }
      world.kill('SIGKILL')
      await new Promise((r) => world.once('exit', r))
      const { execFileSync } = await import('node:child_process')
      const pids = execFileSync('ip', ['netns', 'pids', made.netns], { encoding: 'utf8' })
        .split(/\s+/)
        .filter((s) => /^\d+$/.test(s))
        .map(Number)
      // The server outlives its world until cleanup.
      expect(pids.filter(isAlive).length).toBeGreaterThan(0)
      await cleanupContentLeftovers(crashDir)
      const after = machineSnapshot()
      expect(after.netns).not.toContain(made.netns)
      expect(after.links).not.toContain(made.bridge)
      expect(after.links).not.toContain(made.veth)
      expect(pids.filter(isAlive)).toEqual([])
      expect(existsSync(join(crashDir, 'content-network.json'))).toBe(false)
      await cleanupContentLeftovers(crashDir)
    } finally {
      if (world.exitCode === null) world.kill('SIGKILL')
      await cleanupContentLeftovers(crashDir).catch(() => undefined)
      await rm(crashDir, { recursive: true, force: true })
    }
  })

  it('stop removes the server process, its namespace and link, the bridge and the record', async () => {
    const { execFileSync } = await import('node:child_process')
    const pids = execFileSync('ip', ['netns', 'pids', content.netns], { encoding: 'utf8' })
      .split(/\s+/)
      .filter((s) => /^\d+$/.test(s))
      .map(Number)
    expect(pids.length).toBeGreaterThan(0)
    await provisioner.destroyAll()
    await content.stop()
    const after = machineSnapshot()
    expect(after.netns).not.toContain(content.netns)
    expect(after.links).not.toContain(content.bridge)
    expect(
      after.links.filter((l) => l === content.vethServer || l.startsWith(`dc${network.index}h`)),
    ).toEqual([])
    expect(pids.filter(isAlive)).toEqual([])
    expect(existsSync(join(stateDir, 'content-network.json'))).toBe(false)
  })
})
