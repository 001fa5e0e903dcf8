import { createHash } from 'node:crypto'
import { connect as netConnect, type Socket } from 'node:net'
import type { Client, ClientChannel, ConnectConfig } from 'ssh2'
import type { AbortOptions } from '@dolly/base'
import { ReplicationError } from '../errors.ts'
import type { RemoteExecOptions, RemoteResult, RemoteShell, ShellConnector, SshAuth } from '../ports.ts'
import { SSH_READY_TIMEOUT_MS } from '../constants.ts'
import { shellQuote } from '../shell-quote.ts'

/**
 * AES-GCM first: ssh2 without its native binding runs chacha20-poly1305's Poly1305 in JavaScript,
 * whereas AES-GCM goes through OpenSSL (the push of a ~60 MB bundle is several times faster).
 */
const CIPHERS: NonNullable<NonNullable<ConnectConfig['algorithms']>['cipher']> = [
  'aes128-gcm@openssh.com',
  'aes256-gcm@openssh.com',
  'aes128-ctr',
  'aes256-ctr',
]
/** A cut link is noticed after KEEPALIVE_MS × KEEPALIVE_COUNT without an answer (5 s). */
const KEEPALIVE_MS = 1000
const KEEPALIVE_COUNT = 5

/** OpenSSH's `SHA256:<base64, unpadded>` fingerprint of a host key blob. */
export function hostKeyFingerprint(keyBlob: Uint8Array): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`
}

function authConfig(auth: SshAuth): Pick<ConnectConfig, 'password' | 'privateKey' | 'tryKeyboard'> {
  return auth.kind === 'password'
    ? { password: auth.password, tryKeyboard: false }
    : { privateKey: auth.privateKey }
}

function createShell(client: Client): RemoteShell {
  let closed = false
  const open = (command: string): Promise<ClientChannel> =>
    new Promise((resolve, reject) =>
      client.exec(command, (err, channel) =>
        err === undefined || err === null ? resolve(channel) : reject(err),
      ),
    )
  const lost = (err: unknown): ReplicationError =>
    new ReplicationError(
      'REPLICATION_SSH_UNREACHABLE',
      `SSH connection lost: ${err instanceof Error ? err.message : String(err)}; run create-child again to resume`,
      {},
      { cause: err },
    )
  const finish = (channel: ClientChannel, signal: AbortSignal | undefined): Promise<RemoteResult> =>
    new Promise((resolve, reject) => {
      const out: Buffer[] = []
      const errOut: Buffer[] = []
      let exitCode = -1
      const onAbort = (): void => {
        channel.close()
        reject(lost(new Error('aborted')))
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      channel.on('data', (b: Buffer) => out.push(b))
      channel.stderr.on('data', (b: Buffer) => errOut.push(b))
      channel.on('exit', (code: number | null) => (exitCode = code ?? -1))
      channel.on('close', () => {
        signal?.removeEventListener('abort', onAbort)
        // No exit status means the connection went away under the command, not that it failed.
        if (exitCode === -1 && closed) reject(lost(new Error('connection closed during a command')))
        else
          resolve({
            exitCode,
            stdout: Buffer.concat(out).toString('utf8'),
            stderr: Buffer.concat(errOut).toString('utf8'),
          })
      })
    })
  client.on('close', () => (closed = true))
  return {
    async exec(script: string, options: RemoteExecOptions = {}) {
      let channel: ClientChannel
      try {
        channel = await open(`bash -c ${shellQuote(script)}`)
      } catch (err) {
        throw lost(err)
      }
      const done = finish(channel, options.signal)
      if (options.input !== undefined) channel.end(options.input)
      else channel.end()
      return done
    },
    async pipe(command: string, chunks: AsyncIterable<Uint8Array>, options: AbortOptions = {}) {
      let channel: ClientChannel
      try {
        channel = await open(`bash -c ${shellQuote(command)}`)
      } catch (err) {
        throw lost(err)
      }
      const done = finish(channel, options.signal)
      // Settles when the channel ends for any reason, so a write waiting for 'drain' never hangs on a dead link.
      const ended = done.then(
        () => undefined,
        () => undefined,
      )
      let over = false
      void ended.then(() => (over = true))
      let sent = 0
      for await (const chunk of chunks) {
        if (closed || over) break
        if (!channel.write(chunk))
          await Promise.race([new Promise<void>((r) => channel.once('drain', () => r())), ended])
        sent += chunk.byteLength
      }
      channel.end()
      const result = await done
      if (result.exitCode !== 0 || closed) {
        throw lost(new Error(`${command} ended with exit ${result.exitCode}: ${result.stderr.trim()}`))
      }
      return sent
    },
    close() {
      client.end()
    },
  }
}

/** The ssh2 adapter of {@link ShellConnector}: TCP with Nagle off, a pinned host key, keepalives. */
export function createSshConnector(): ShellConnector {
  return {
    async connect(target, options = {}) {
      // ssh2 loads when a child is installed, not at start: its Poly1305 (emscripten WebAssembly)
      // allocates a 16 MB memory as soon as the module loads, which an idle daemon would carry.
      const { Client } = await import('ssh2')
      return new Promise((resolve, reject) => {
        const client = new Client()
        let seen: string | undefined
        let keyRefused = false
        let settled = false
        const fail = (err: ReplicationError): void => {
          if (settled) return
          settled = true
          client.end()
          sock.destroy()
          reject(err)
        }
        const where = `${target.host}:${target.port}`
        // ssh2 without its native binding writes each packet in pieces; with Nagle on, every piece
        // waits for an ACK (DESIGN.md §3: a 200 MB push takes 721 s instead of 8.5 s).
        const sock: Socket = netConnect({ host: target.host, port: target.port }).setNoDelay(true)
        sock.on('error', (err) =>
          fail(
            new ReplicationError(
              'REPLICATION_SSH_UNREACHABLE',
              `cannot reach SSH at ${where}: ${err.message}`,
              {
                host: target.host,
                step: 'connect',
              },
            ),
          ),
        )
        const onAbort = (): void =>
          fail(
            new ReplicationError('REPLICATION_SSH_UNREACHABLE', `connecting to ${where} was aborted`, {
              host: target.host,
            }),
          )
        options.signal?.addEventListener('abort', onAbort, { once: true })
        client
          .on('ready', () => {
            settled = true
            options.signal?.removeEventListener('abort', onAbort)
            resolve({ shell: createShell(client), fingerprint: seen ?? '' })
          })
          .on('error', (err: Error & { level?: string }) => {
            if (keyRefused) {
              fail(
                new ReplicationError(
                  'REPLICATION_HOST_KEY_CHANGED',
                  `host key of ${where} is ${seen ?? '?'}, but ${target.pinnedFingerprint ?? '?'} was pinned at first contact; refusing to log in (a different server, or a man in the middle). Remove the pin from ${'known_hosts.json'} only if the server was really reinstalled`,
                  { host: target.host, seen, pinned: target.pinnedFingerprint, step: 'connect' },
                ),
              )
            } else if (err.level === 'client-authentication') {
              fail(
                new ReplicationError(
                  'REPLICATION_SSH_AUTH_FAILED',
                  `${where} refused root login with the ${target.auth.kind === 'password' ? 'given password' : "parent's key"}; check the root password the provider set`,
                  { host: target.host, auth: target.auth.kind, step: 'login' },
                ),
              )
            } else {
              fail(
                new ReplicationError(
                  'REPLICATION_SSH_UNREACHABLE',
                  `SSH to ${where} failed: ${err.message}`,
                  {
                    host: target.host,
                    step: 'connect',
                  },
                ),
              )
            }
          })
        client.connect({
          sock,
          username: 'root',
          ...authConfig(target.auth),
          readyTimeout: SSH_READY_TIMEOUT_MS,
          keepaliveInterval: KEEPALIVE_MS,
          keepaliveCountMax: KEEPALIVE_COUNT,
          algorithms: { cipher: CIPHERS },
          hostVerifier: (key: Buffer) => {
            seen = hostKeyFingerprint(key)
            keyRefused = target.pinnedFingerprint !== undefined && target.pinnedFingerprint !== seen
            return !keyRefused
          },
        })
      })
    },
  }
}
