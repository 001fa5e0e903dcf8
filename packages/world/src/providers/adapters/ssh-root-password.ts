/** Root actions inside a world host over SSH: `chpasswd`, and installing an authorized key. */
import { Client } from 'ssh2'
import type { AbortOptions } from '@dolly/base'
import { ProviderError } from '../errors.ts'
import type { RootPasswordChanger } from '../ports.ts'

/**
 * SSH handshake timeout in real ms. World hosts are on the local bridge, but ssh2's pure-JS key
 * exchange on both ends of a loaded 2-core machine has taken over 15 s (a CI run lost a password
 * change to that).
 */
const READY_TIMEOUT_MS = 30_000
/** Attempts for a login that failed before any command ran (handshake timeout, reset, refused). */
const CONNECT_ATTEMPTS = 3

/** A command to run as root on a host, with what it reads on stdin (secrets go there, not in argv). */
interface RootAction {
  readonly ip: string
  readonly password: string
  readonly command: string
  readonly stdin: string
}

interface Target {
  readonly port: number
  readonly readyTimeoutMs: number
}

/** A failure of one attempt; `beforeReady` is true when no command reached the host. */
class AttemptError extends Error {
  readonly beforeReady: boolean
  constructor(message: string, beforeReady: boolean, cause?: unknown) {
    super(message, { cause })
    this.beforeReady = beforeReady
  }
}

/**
 * Runs `command` as root with `stdin` on its standard input; resolves on exit status 0. A login
 * that failed in transport before the session was ready is tried again (no command ran, so the
 * retry cannot act twice); a refused password or a failed command is not.
 */
async function runAsRoot(target: Target, action: RootAction, options: AbortOptions): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await attemptAsRoot(target, action, options)
    } catch (err) {
      const failure = err as AttemptError
      const retry =
        failure.beforeReady &&
        !isAuthFailure(failure) &&
        attempt < CONNECT_ATTEMPTS &&
        options.signal?.aborted !== true
      if (!retry)
        throw new ProviderError(
          'WORLD_PROVIDER_HOST_ACTION_FAILED',
          `root action on ${action.ip} failed after ${attempt} attempt(s): ${failure.message}`,
          { ip: action.ip, attempts: attempt },
          { cause: failure.cause ?? failure },
        )
    }
  }
}

/** ssh2 reports a refused password as an error with level `client-authentication`. */
function isAuthFailure(err: AttemptError): boolean {
  const cause = err.cause as { level?: unknown } | undefined
  return cause?.level === 'client-authentication'
}

function attemptAsRoot(target: Target, action: RootAction, options: AbortOptions): Promise<void> {
  const { ip, password, command, stdin } = action
  return new Promise<void>((resolve, reject) => {
    const client = new Client()
    let settled = false
    let ready = false
    let connected = false
    // The last protocol steps (no secrets: ssh2 names the packets, not their contents), so a login
    // that stalls says where.
    const trail: string[] = []
    const fail = (message: string, cause?: unknown): void => {
      client.end()
      if (settled) return
      settled = true
      const where = ready
        ? ''
        : ` (${connected ? 'TCP connected' : 'no TCP connection'}; last steps: ${trail.join(' | ') || 'none'})`
      reject(new AttemptError(`${message}${where}`, !ready, cause))
    }
    options.signal?.addEventListener('abort', () => fail('aborted'), { once: true })
    client.on('error', (err) => fail(err.message, err))
    client.on('ready', () => {
      ready = true
      client.exec(command, (err, stream) => {
        if (err !== undefined && err !== null) return fail(err.message, err)
        let stderr = ''
        stream.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
        stream.on('data', () => undefined)
        stream.on('close', (code: number | null) => {
          client.end()
          if (code === 0) {
            settled = true
            resolve()
          } else fail(`exit ${code}: ${stderr.trim().slice(0, 200)}`)
        })
        // Secrets travel on stdin, never in argv where a process list would show them.
        stream.end(stdin)
      })
    })
    client.connect({
      host: ip,
      port: target.port,
      username: 'root',
      password,
      readyTimeout: target.readyTimeoutMs,
      debug: (line: string) => {
        trail.push(line.slice(0, 120))
        if (trail.length > 6) trail.shift()
      },
      // The provider created this host moments ago on its own bridge; there is no known key to pin.
      hostVerifier: () => true,
    })
    // ssh2 without its native binding writes packets in pieces; Nagle would add stalls (DESIGN.md §3).
    client.on('connect', () => {
      connected = true
      const sock = (client as unknown as { _sock?: { setNoDelay?: (v: boolean) => void } })._sock
      sock?.setNoDelay?.(true)
    })
  })
}

/** Where and how patiently to log in; the defaults are a world host's sshd. */
export interface SshRootOptions {
  /** SSH port of the hosts (22). */
  readonly port?: number
  /** Handshake timeout per attempt in real ms (30 s). */
  readonly readyTimeoutMs?: number
}

/** A RootPasswordChanger that logs in as root with the current password. */
export function createSshRootPasswordChanger(ssh: SshRootOptions = {}): RootPasswordChanger {
  const target = { port: ssh.port ?? 22, readyTimeoutMs: ssh.readyTimeoutMs ?? READY_TIMEOUT_MS }
  return {
    setRootPassword: (ip, currentPassword, newPassword, options = {}) =>
      runAsRoot(
        target,
        { ip, password: currentPassword, command: 'chpasswd', stdin: `root:${newPassword}\n` },
        options,
      ),
    authorizeKey: (ip, rootPassword, publicKey, options = {}) =>
      runAsRoot(
        target,
        {
          ip,
          password: rootPassword,
          command: 'umask 077 && mkdir -p /root/.ssh && cat >> /root/.ssh/authorized_keys',
          stdin: `${publicKey.trim()}\n`,
        },
        options,
      ),
  }
}
