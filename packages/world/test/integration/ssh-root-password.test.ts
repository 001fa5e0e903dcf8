/**
 * The shops' root actions over real SSH against an ssh2 server on loopback: a login that fails in
 * transport before the session is ready is tried again, a refused password is not, and a command
 * runs once.
 */
import { createServer, connect, type Server as NetServer, type Socket } from 'node:net'
import { once } from 'node:events'
import { Server as SshServer, utils } from 'ssh2'
import { afterEach, describe, expect, it } from 'vitest'
import { createSshRootPasswordChanger } from '../../src/providers/adapters/ssh-root-password.ts'

interface FakeHost {
  /** Port of a proxy in front of the sshd that drops the first `drop` connections. */
  readonly port: number
  /** Connections the proxy accepted (dropped ones too). */
  connections(): number
  /** What each `exec` received: the command and its standard input. */
  readonly execs: { command: string; stdin: string }[]
  close(): Promise<void>
}

const hostKey = utils.generateKeyPairSync('ed25519').private

async function listen(server: NetServer | SshServer): Promise<number> {
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return (server.address() as { port: number }).port
}

async function startFakeHost(rootPassword: string, drop: number): Promise<FakeHost> {
  const execs: { command: string; stdin: string }[] = []
  const sshd = new SshServer({ hostKeys: [hostKey] }, (client) => {
    client.on('error', () => undefined)
    client.on('authentication', (ctx) => {
      if (ctx.method === 'password' && ctx.username === 'root' && ctx.password === rootPassword) ctx.accept()
      else ctx.reject(['password'])
    })
    client.on('ready', () => {
      client.on('session', (accept) => {
        accept().on('exec', (acceptExec, _reject, info) => {
          const stream = acceptExec()
          let stdin = ''
          stream.on('data', (d: Buffer) => (stdin += d.toString()))
          stream.on('end', () => {
            execs.push({ command: info.command, stdin })
            stream.exit(0)
            stream.end()
          })
        })
      })
    })
  })
  const sshPort = await listen(sshd)
  let accepted = 0
  const sockets = new Set<Socket>()
  const proxy = createServer((inbound) => {
    accepted++
    sockets.add(inbound)
    inbound.on('close', () => sockets.delete(inbound))
    inbound.on('error', () => undefined)
    if (accepted <= drop) {
      inbound.destroy()
      return
    }
    const outbound = connect(sshPort, '127.0.0.1')
    sockets.add(outbound)
    outbound.on('close', () => sockets.delete(outbound))
    outbound.on('error', () => inbound.destroy())
    inbound.pipe(outbound).pipe(inbound)
  })
  const port = await listen(proxy)
  return {
    port,
    connections: () => accepted,
    execs,
    async close() {
      for (const s of sockets) s.destroy()
      await Promise.all([
        new Promise<void>((r) => proxy.close(() => r())),
        new Promise<void>((r) => sshd.close(() => r())),
      ])
    },
  }
}

describe('root actions over SSH (loopback ssh2 server)', () => {
  let host: FakeHost | undefined
  afterEach(async () => {
    await host?.close()
    host = undefined
  })

  it('changes the password on the first connection, secrets on stdin', async () => {
    host = await startFakeHost('Order-Pw-1', 0)
    const changer = createSshRootPasswordChanger({ port: host.port, readyTimeoutMs: 10_000 })
    await changer.setRootPassword('127.0.0.1', 'Order-Pw-1', 'Fresh-Pw-2')
    expect(host.execs).toEqual([{ command: 'chpasswd', stdin: 'root:Fresh-Pw-2\n' }])
    expect(host.connections()).toBe(1)
  })

  it('tries again when the connection drops before the session is ready, and acts once', async () => {
    host = await startFakeHost('Order-Pw-1', 2)
    const changer = createSshRootPasswordChanger({ port: host.port, readyTimeoutMs: 10_000 })
    await changer.authorizeKey('127.0.0.1', 'Order-Pw-1', 'ssh-ed25519 AAAAkey agent@dolly\n')
    expect(host.connections()).toBe(3)
    expect(host.execs).toEqual([
      {
        command: 'umask 077 && mkdir -p /root/.ssh && cat >> /root/.ssh/authorized_keys',
        stdin: 'ssh-ed25519 AAAAkey agent@dolly\n',
      },
    ])
  })

  it.each([
    { why: 'gives up after three transport failures', drop: 3, password: 'Order-Pw-1', attempts: 3 },
    { why: 'does not try a refused password again', drop: 0, password: 'Wrong-Pw-9', attempts: 1 },
  ])('$why, with a coded error and nothing run', async ({ drop, password, attempts }) => {
    host = await startFakeHost('Order-Pw-1', drop)
    const changer = createSshRootPasswordChanger({ port: host.port, readyTimeoutMs: 10_000 })
    await expect(changer.setRootPassword('127.0.0.1', password, 'Fresh-Pw-2')).rejects.toMatchObject({
      code: 'WORLD_PROVIDER_HOST_ACTION_FAILED',
      message: expect.stringContaining(`after ${attempts} attempt`),
    })
    expect(host.connections()).toBe(attempts)
    expect(host.execs).toEqual([])
  })
})
