import type { AddressInfo } from 'node:net'
import { Server, utils, type Connection } from 'ssh2'
import { afterEach, describe, expect, it } from 'vitest'
import { createSshConnector, hostKeyFingerprint } from './ssh-connector.ts'

/**
 * The ssh2 adapter against an in-process ssh2 server on loopback (it loads ssh2 only when it connects,
 * so the daemon does not carry it): password login, a command's output and exit status, a refused
 * password and a changed host key.
 */
const PASSWORD = 'correct horse'
const hostKey = utils.generateKeyPairSync('ed25519')
const hostKeyBlob = utils.parseKey(hostKey.public)
const servers: Server[] = []

afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r))
})

/** A server that accepts root with PASSWORD and answers every exec with its command line on stdout and exit status 3. */
async function startServer(): Promise<number> {
  const server = new Server({ hostKeys: [hostKey.private] }, (client: Connection) => {
    client.on('error', () => {})
    client.on('authentication', (ctx) => {
      if (ctx.method === 'password' && ctx.username === 'root' && ctx.password === PASSWORD) ctx.accept()
      else ctx.reject(['password'])
    })
    client.on('session', (accept) => {
      accept().on('exec', (acceptExec, _reject, info) => {
        const channel = acceptExec()
        channel.write(`ran: ${info.command}\n`)
        // As a real command, it exits a moment later (the adapter listens once `exec` has resolved).
        setTimeout(() => {
          channel.exit(3)
          channel.end()
        }, 50)
      })
    })
  })
  servers.push(server)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return (server.address() as AddressInfo).port
}

describe('createSshConnector', () => {
  it('logs in with a password, runs a command and reports its output, exit status and host key', async () => {
    const port = await startServer()
    const { shell, fingerprint } = await createSshConnector().connect({
      host: '127.0.0.1',
      port,
      auth: { kind: 'password', password: PASSWORD },
    })
    try {
      if (hostKeyBlob instanceof Error || Array.isArray(hostKeyBlob)) throw new Error('bad host key')
      expect(fingerprint).toBe(hostKeyFingerprint(hostKeyBlob.getPublicSSH()))
      const result = await shell.exec('echo hi')
      expect(result).toEqual({ exitCode: 3, stdout: "ran: bash -c 'echo hi'\n", stderr: '' })
    } finally {
      shell.close()
    }
  })

  it('refuses a wrong password and a host key other than the pinned one, with their codes', async () => {
    const port = await startServer()
    const connector = createSshConnector()
    await expect(
      connector.connect({ host: '127.0.0.1', port, auth: { kind: 'password', password: 'wrong' } }),
    ).rejects.toMatchObject({ code: 'REPLICATION_SSH_AUTH_FAILED' })
    await expect(
      connector.connect({
        host: '127.0.0.1',
        port,
        auth: { kind: 'password', password: PASSWORD },
        pinnedFingerprint: 'SHA256:not-this-key',
      }),
    ).rejects.toMatchObject({ code: 'REPLICATION_HOST_KEY_CHANGED' })
  })
})
