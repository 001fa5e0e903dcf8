/** Root actions inside a world host over SSH: `chpasswd`, and installing an authorized key. */
import { Client } from 'ssh2'
import type { AbortOptions } from '@dolly/base'
import { ProviderError } from '../errors.ts'
import type { RootPasswordChanger } from '../ports.ts'

/** SSH connect timeout in real ms: world hosts are on the local bridge, so seconds are plenty. */
const READY_TIMEOUT_MS = 15_000

/** Runs `command` as root with `stdin` on its standard input; resolves on exit status 0. */
function runAsRoot(
  ip: string,
  password: string,
  command: string,
  stdin: string,
  options: AbortOptions,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const client = new Client()
    let settled = false
    const fail = (message: string, cause?: unknown): void => {
      client.end()
      if (settled) return
      settled = true
      reject(
        new ProviderError(
          'WORLD_PROVIDER_HOST_ACTION_FAILED',
          `root action on ${ip} failed: ${message}`,
          { ip },
          { cause },
        ),
      )
    }
    options.signal?.addEventListener('abort', () => fail('aborted'), { once: true })
    client.on('error', (err) => fail(err.message, err))
    client.on('ready', () => {
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
      port: 22,
      username: 'root',
      password,
      readyTimeout: READY_TIMEOUT_MS,
      // The provider created this host moments ago on its own bridge; there is no known key to pin.
      hostVerifier: () => true,
    })
    // ssh2 without its native binding writes packets in pieces; Nagle would add stalls (DESIGN.md §3).
    client.on('connect', () => {
      const sock = (client as unknown as { _sock?: { setNoDelay?: (v: boolean) => void } })._sock
      sock?.setNoDelay?.(true)
    })
  })
}

/** A RootPasswordChanger that logs in as root with the current password. */
export function createSshRootPasswordChanger(): RootPasswordChanger {
  return {
    setRootPassword: (ip, currentPassword, newPassword, options = {}) =>
      runAsRoot(ip, currentPassword, 'chpasswd', `root:${newPassword}\n`, options),
    authorizeKey: (ip, rootPassword, publicKey, options = {}) =>
      runAsRoot(
        ip,
        rootPassword,
        'umask 077 && mkdir -p /root/.ssh && cat >> /root/.ssh/authorized_keys',
        `${publicKey.trim()}\n`,
        options,
      ),
  }
}
