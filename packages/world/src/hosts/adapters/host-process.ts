import { spawn } from 'node:child_process'
import { open, readFile, stat } from 'node:fs/promises'
import { connect } from 'node:net'
import { realSleep } from '@dolly/base'
import { HOST_PATH, POLL_INTERVAL_MS } from '../constants.ts'
import { HostsError } from '../errors.ts'
import { netnsPids } from './teardown.ts'

/** A started host init: its launcher process and whether it already exited. */
export interface StartedInit {
  /** Machine PID of the launcher (nsenter, then unshare); the host's PID 1 is its child. */
  readonly launcherPid: number
  /** Resolves with the exit code when the launcher exits (the host died). */
  readonly exited: Promise<number | null>
}

/**
 * Starts the host's PID 1 (`script`, run by bash) in new PID, mount, UTS and IPC namespaces inside the
 * network namespace `netns`; its output goes to `consoleLog`. Detached: the host outlives a crashed
 * world until `cleanupLeftovers` removes it.
 */
export async function startInit(netns: string, script: string, consoleLog: string): Promise<StartedInit> {
  const log = await open(consoleLog, 'a', 0o600)
  try {
    const child = spawn(
      'nsenter',
      [
        `--net=/run/netns/${netns}`,
        '--',
        'unshare',
        '--pid',
        '--fork',
        '--mount',
        '--uts',
        '--ipc',
        '--propagation',
        'private',
        '--',
        'bash',
        '-c',
        script,
        'dolly-init',
      ],
      {
        detached: true,
        stdio: ['ignore', log.fd, log.fd],
        env: { PATH: HOST_PATH, HOME: '/root', LANG: 'C.UTF-8', TERM: 'dumb' },
      },
    )
    const exited = new Promise<number | null>((resolve) => {
      child.on('exit', (code) => resolve(code))
      child.on('error', () => resolve(null))
    })
    child.unref()
    const pid = child.pid
    if (pid === undefined)
      throw new HostsError('WORLD_HOSTS_CREATE_FAILED', 'could not start nsenter for the host init')
    return { launcherPid: pid, exited }
  } finally {
    await log.close()
  }
}

/** Resolves true when something at `ip:port` sends an SSH identification string within `timeoutMs`. */
function sshAnswers(ip: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: ip, port })
    let banner = ''
    const done = (ok: boolean): void => {
      clearTimeout(timer)
      socket.destroy()
      resolve(ok)
    }
    const timer = setTimeout(() => done(false), timeoutMs)
    socket.on('data', (b: Buffer) => {
      banner += b.toString('latin1')
      if (banner.includes('\n')) done(banner.startsWith('SSH-2.0-'))
    })
    socket.on('error', () => done(false))
    socket.on('close', () => done(false))
  })
}

/** Last lines of a host's console log, for error messages. */
export async function consoleTail(consoleLog: string): Promise<string> {
  try {
    return (await readFile(consoleLog, 'utf8')).split('\n').slice(-12).join('\n').trim()
  } catch {
    return ''
  }
}

/**
 * Waits until sshd on `ip:22` answers with its banner; fails fast with the console log when the
 * host's init exits first, and with `WORLD_HOSTS_SSH_TIMEOUT` after `timeoutMs`.
 */
export async function waitForSsh(
  ip: string,
  init: StartedInit,
  consoleLog: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<void> {
  let exitCode: number | null | undefined
  void init.exited.then((code) => {
    exitCode = code
  })
  const deadline = performance.now() + timeoutMs
  for (;;) {
    signal?.throwIfAborted()
    if (exitCode !== undefined) {
      throw new HostsError(
        'WORLD_HOSTS_CREATE_FAILED',
        `host init exited (${String(exitCode)}) before sshd answered: ${await consoleTail(consoleLog)}`,
        {
          ip,
          exitCode,
        },
      )
    }
    if (await sshAnswers(ip, 22, 1_000)) return
    if (performance.now() > deadline) {
      throw new HostsError(
        'WORLD_HOSTS_SSH_TIMEOUT',
        `sshd on ${ip}:22 did not answer within ${timeoutMs} ms: ${await consoleTail(consoleLog)}`,
        {
          ip,
          timeoutMs,
        },
      )
    }
    await realSleep(POLL_INTERVAL_MS, signal === undefined ? {} : { signal })
  }
}

/** The machine PID of the host's PID 1: the process of `netns` whose innermost PID is 1. */
export async function findInitPid(netns: string): Promise<number> {
  for (const pid of await netnsPids(netns)) {
    let status: string
    try {
      status = await readFile(`/proc/${pid}/status`, 'utf8')
    } catch {
      continue
    }
    const nspid = /^NSpid:\s+(.+)$/m.exec(status)?.[1]?.trim().split(/\s+/)
    if (nspid !== undefined && nspid.length === 2 && nspid[1] === '1') return pid
  }
  throw new HostsError('WORLD_HOSTS_CREATE_FAILED', `no PID-namespace init found in ${netns}`, { netns })
}

/** Sum of the resident set sizes of `pids` (bytes); processes that vanished count 0. */
export async function residentBytes(pids: readonly number[]): Promise<number> {
  let total = 0
  for (const pid of pids) {
    try {
      const status = await readFile(`/proc/${pid}/status`, 'utf8')
      const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]
      if (kib !== undefined) total += Number(kib) * 1024
    } catch {
      // exited between listing and reading
    }
  }
  return total
}

/**
 * Whether `pid` still lives in the network namespace `netns` (same inode as its /run/netns handle):
 * guards `nsenter -t pid` against a PID the kernel reused after the host's init died.
 */
export async function isInNetns(pid: number, netns: string): Promise<boolean> {
  try {
    const [mine, theirs] = await Promise.all([stat(`/proc/${pid}/ns/net`), stat(`/run/netns/${netns}`)])
    return mine.ino === theirs.ino && mine.dev === theirs.dev
  } catch {
    return false
  }
}
