/**
 * SSH to a bought server with ssh2 and a password (CLOUDOMATE.md §6 setrootpw fallback, §9 `ssh`):
 * no sshpass, an explicit host-key policy (pin a SHA-256 fingerprint, or trust on first use and report
 * it), and `setNoDelay` because ssh2 without its native binding splits packets (DESIGN.md §3).
 */
import { createHash } from 'node:crypto'
import type { Client, ConnectConfig } from 'ssh2'
import { CloudomateError } from '../errors.ts'

/** Where and how to log in. */
export interface SshTarget {
  readonly host: string
  readonly port?: number
  readonly username: string
  readonly password?: string
  /** A private key (PEM or OpenSSH) for key-only servers (SporeStack). */
  readonly privateKey?: string
  /** `SHA256:<base64>` to pin; absent = trust on first use (the fingerprint is returned). */
  readonly hostKeySha256?: string
  readonly timeoutMs?: number
}

/** Result of a command. */
export interface SshResult {
  readonly stdout: string
  readonly stderr: string
  readonly exitCode: number | null
  readonly hostKeySha256: string
}

const fingerprint = (key: Buffer): string =>
  `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`

/** Connects, returning the client and the host key's fingerprint. */
export async function sshConnect(target: SshTarget): Promise<{ client: Client; hostKeySha256: string }> {
  // ssh2 loads on first use, not with cloudomate: its Poly1305 (emscripten WebAssembly) allocates a
  // 16 MB memory as soon as the module loads, which every process importing cloudomate would carry.
  const { Client } = await import('ssh2')
  return new Promise((resolve, reject) => {
    const client = new Client()
    let seen = ''
    const config: ConnectConfig = {
      host: target.host,
      port: target.port ?? 22,
      username: target.username,
      ...(target.password === undefined ? {} : { password: target.password }),
      ...(target.privateKey === undefined ? {} : { privateKey: target.privateKey }),
      readyTimeout: target.timeoutMs ?? 20_000,
      hostVerifier: (key: Buffer) => {
        seen = fingerprint(key)
        return target.hostKeySha256 === undefined || target.hostKeySha256 === seen
      },
    }
    client.once('ready', () => resolve({ client, hostKeySha256: seen }))
    client.once('error', (err) => {
      client.end()
      reject(
        new CloudomateError(
          'CLOUDOMATE_SSH_FAILED',
          `ssh ${target.username}@${target.host}: ${err.message}`,
          { host: target.host, level: (err as { level?: string }).level ?? '' },
          { cause: err },
        ),
      )
    })
    client.connect(config)
    // Without the native binding ssh2 writes each packet in pieces; Nagle would delay every one.
    const sock = (client as unknown as { _sock?: { setNoDelay?: (b: boolean) => void } })._sock
    sock?.setNoDelay?.(true)
  })
}

/** Runs one command (with optional stdin) and collects its output. */
export async function sshExec(target: SshTarget, command: string, stdin?: string): Promise<SshResult> {
  const { client, hostKeySha256 } = await sshConnect(target)
  try {
    return await new Promise<SshResult>((resolve, reject) => {
      client.exec(command, (err, stream) => {
        if (err !== undefined) {
          reject(
            new CloudomateError(
              'CLOUDOMATE_SSH_FAILED',
              `ssh exec on ${target.host}: ${err.message}`,
              { host: target.host },
              { cause: err },
            ),
          )
          return
        }
        let stdout = ''
        let stderr = ''
        stream.on('data', (d: Buffer) => (stdout += d.toString('utf8')))
        stream.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')))
        stream.on('close', (code: number | null) =>
          resolve({ stdout, stderr, exitCode: code, hostKeySha256 }),
        )
        if (stdin !== undefined) stream.end(stdin)
        else stream.end()
      })
    })
  } finally {
    client.end()
  }
}

/**
 * Sets root's password over SSH with `chpasswd` (the password travels on stdin, never in argv).
 *
 * @throws CloudomateError CLOUDOMATE_SSH_FAILED
 */
export async function sshSetRootPassword(target: SshTarget, newPassword: string): Promise<void> {
  const result = await sshExec(target, 'chpasswd', `root:${newPassword}\n`)
  if (result.exitCode !== 0) {
    throw new CloudomateError(
      'CLOUDOMATE_SSH_FAILED',
      `chpasswd on ${target.host} exited ${result.exitCode}: ${result.stderr.trim()}`,
      {
        host: target.host,
      },
    )
  }
}

/** An interactive shell on the process's terminal (the CLI's `ssh` command). */
export async function sshInteractive(
  target: SshTarget,
  io: { stdin: NodeJS.ReadStream; stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream },
): Promise<number> {
  const { client } = await sshConnect(target)
  return new Promise((resolve, reject) => {
    const tty = io.stdin.isTTY === true
    client.shell(
      tty ? { term: process.env['TERM'] ?? 'xterm', rows: io.stdout.rows, cols: io.stdout.columns } : false,
      (err, stream) => {
        if (err !== undefined) {
          client.end()
          reject(
            new CloudomateError('CLOUDOMATE_SSH_FAILED', `ssh shell on ${target.host}: ${err.message}`, {
              host: target.host,
            }),
          )
          return
        }
        if (tty) io.stdin.setRawMode(true)
        io.stdin.pipe(stream)
        stream.pipe(io.stdout)
        stream.stderr.pipe(io.stderr)
        stream.on('close', (code: number | null) => {
          if (tty) io.stdin.setRawMode(false)
          io.stdin.unpipe(stream)
          io.stdin.pause()
          client.end()
          resolve(code ?? 0)
        })
      },
    )
  })
}
