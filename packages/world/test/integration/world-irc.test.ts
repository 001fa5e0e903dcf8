import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createMemoryLogger } from '@dolly/base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  cleanupLeftovers,
  createHostNetwork,
  createHostProvisioner,
  type HostProvisioner,
  type PlannedHostNetwork,
  type WorldHost,
} from '../../src/hosts/index.ts'
import { startIrcServer, stopLeftoverIrcServer, type IrcServer } from '../../src/irc/adapters/ngircd.ts'
import { isAlive } from './hosts-helpers.ts'

// The world's ngircd as agents reach it: from inside a world host (a network namespace) over the
// bridge gateway. Needs root for the namespace: run under the world lock.
describe("the world's IRC server", () => {
  let stateDir: string
  let network: PlannedHostNetwork
  let provisioner: HostProvisioner
  let host: WorldHost
  let irc: IrcServer
  const log = createMemoryLogger()

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'dolly-irc-world-'))
    network = await createHostNetwork({ stateDir })
    irc = await startIrcServer({ dir: join(stateDir, 'irc'), listen: ['127.0.0.1', network.gatewayIp], log })
    provisioner = createHostProvisioner({ network, log }, { stateDir })
    host = await provisioner.create({ hostname: 'irc-host', rootPassword: 'pw-irc' })
  })

  afterAll(async () => {
    await provisioner?.destroyAll()
    await irc?.stop()
    await network?.stop()
    if (stateDir !== undefined) {
      await cleanupLeftovers(stateDir)
      await rm(stateDir, { recursive: true, force: true })
    }
  })

  it('answers a client inside a world host on the bridge gateway: MOTD end, then the family channel', async () => {
    const script = [
      `exec 3<>/dev/tcp/${network.gatewayIp}/${irc.port}`,
      "printf 'NICK plebbot1234\\r\\nUSER plebbot1234 plebbot1234 plebbot1234 : Plebbot version 2.15\\r\\n' >&3",
      'sleep 1',
      `printf 'JOIN ${irc.channel}\\r\\nQUIT :bye\\r\\n' >&3`,
      'timeout 5 cat <&3 || true',
    ].join('; ')
    const got = await host.exec(['bash', '-c', script], { timeoutMs: 15_000 })
    expect(got.stdout).toMatch(/ 001 plebbot1234 /)
    expect(got.stdout).toMatch(/ 376 plebbot1234 /)
    expect(got.stdout).toContain(`:plebbot1234!~plebbot1234@${host.ip} JOIN :${irc.channel}`)
  })

  it('runs from its own directory (config, log, pid) and leaves no process behind', async () => {
    const config = await readFile(join(stateDir, 'irc', 'ngircd.conf'), 'utf8')
    expect(config).toContain(`Listen = 127.0.0.1,${network.gatewayIp}`)
    expect(config).toContain(`Ports = ${irc.port}`)
    expect(Number(await readFile(join(stateDir, 'irc', 'ngircd.pid'), 'utf8'))).toBe(irc.pid)
    expect(isAlive(irc.pid)).toBe(true)
    await irc.stop()
    expect(isAlive(irc.pid)).toBe(false)
    expect(await stopLeftoverIrcServer(join(stateDir, 'irc'))).toBe(false)
  })
})
