import { access, readFile, rm } from 'node:fs/promises'
import { realSleep } from '@dolly/base'
import { contentVethOf } from '../../content/plan.ts'
import { KILL_WAIT_MS, POLL_INTERVAL_MS } from '../constants.ts'
import { HostsError } from '../errors.ts'
import { isPathInside } from '../naming.ts'
import type { HostRecord } from '../records.ts'
import { runChecked, runCommand } from './run.ts'

async function exists(path: string): Promise<boolean> {
  try {
    await access(path)
    return true
  } catch {
    return false
  }
}

/** Whether the named network namespace exists (`ip netns add` keeps a handle in /run/netns). */
export function netnsExists(netns: string): Promise<boolean> {
  return exists(`/run/netns/${netns}`)
}

/** Machine-side PIDs of every process whose network namespace is `netns`; empty when it is gone. */
export async function netnsPids(netns: string): Promise<number[]> {
  if (!(await netnsExists(netns))) return []
  const result = await runCommand(['ip', 'netns', 'pids', netns])
  if (result.exitCode !== 0) return []
  return result.stdout
    .split(/\s+/)
    .filter((s) => /^\d+$/.test(s))
    .map(Number)
}

/** SIGKILLs `pids`, ignoring those that already exited. */
function killAll(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err
    }
  }
}

/**
 * State letter and start time (clock ticks since boot) of `pid`, from /proc/<pid>/stat; undefined
 * once it is gone. The start time tells a reused PID from the process we killed.
 */
async function procStat(pid: number): Promise<{ state: string; startTicks: string } | undefined> {
  let text: string
  try {
    text = await readFile(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return undefined
  }
  // Fields after the parenthesised command (which may itself contain spaces or parentheses).
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
  const state = fields[0]
  const startTicks = fields[19]
  return state === undefined || startTicks === undefined ? undefined : { state, startTicks }
}

/**
 * Kills every process in the host's network namespace (its PID-namespace init among them, so the
 * kernel kills the rest of the PID namespace too) and waits until each has finished exiting: a
 * dying process leaves `ip netns pids` before its mounts and memory are released.
 */
export async function killHostProcesses(netns: string): Promise<void> {
  const deadline = performance.now() + KILL_WAIT_MS
  const seen = new Map<number, string>()
  const survivors = async (): Promise<number[]> => {
    const out: number[] = []
    for (const [pid, startTicks] of seen) {
      const stat = await procStat(pid)
      if (stat !== undefined && stat.startTicks === startTicks && stat.state !== 'Z' && stat.state !== 'X')
        out.push(pid)
    }
    return out
  }
  for (;;) {
    const pids = await netnsPids(netns)
    for (const pid of pids) {
      if (seen.has(pid)) continue
      const stat = await procStat(pid)
      if (stat !== undefined) seen.set(pid, stat.startTicks)
    }
    const left = pids.length > 0 ? pids : await survivors()
    if (left.length === 0) return
    if (performance.now() > deadline) {
      throw new HostsError(
        'WORLD_HOSTS_COMMAND_FAILED',
        `processes ${left.join(',')} of host ${netns} survived SIGKILL for ${KILL_WAIT_MS} ms`,
        { netns, pids: left },
      )
    }
    killAll(pids)
    await realSleep(POLL_INTERVAL_MS)
  }
}

/** Mount points of the machine's mount namespace below `dir` (deepest first). */
async function mountsBelow(dir: string): Promise<string[]> {
  const text = await readFile('/proc/self/mounts', 'utf8')
  return text
    .split('\n')
    .map((line) => line.split(' ')[1])
    .filter((p): p is string => p !== undefined)
    .map((p) => p.replace(/\\040/g, ' '))
    .filter((p) => isPathInside(p, dir))
    .sort((a, b) => b.length - a.length)
}

/**
 * Removes everything a host record names, in an order that works after a crash at any point:
 * processes, namespace, veth link, stray mounts, layer directory. Idempotent.
 */
export async function teardownHost(record: HostRecord): Promise<void> {
  await killHostProcesses(record.netns)
  // The machine-side end goes first: deleting it removes the pair at once, whereas the end inside a
  // deleted namespace disappears only when the kernel's asynchronous namespace cleanup runs.
  if (await exists(`/sys/class/net/${record.vethHost}`)) {
    const del = await runCommand(['ip', 'link', 'delete', record.vethHost])
    if (del.exitCode !== 0 && (await exists(`/sys/class/net/${record.vethHost}`))) {
      throw new HostsError(
        'WORLD_HOSTS_COMMAND_FAILED',
        `ip link delete ${record.vethHost}: ${del.stderr.trim()}`,
        { link: record.vethHost },
      )
    }
  }
  // The host's link into the content network (content/plan.ts), when it has one: same reason.
  const contentVeth = contentVethOf(record.vethHost)
  if (contentVeth !== undefined && (await exists(`/sys/class/net/${contentVeth}`))) {
    const del = await runCommand(['ip', 'link', 'delete', contentVeth])
    if (del.exitCode !== 0 && (await exists(`/sys/class/net/${contentVeth}`))) {
      throw new HostsError(
        'WORLD_HOSTS_COMMAND_FAILED',
        `ip link delete ${contentVeth}: ${del.stderr.trim()}`,
        {
          link: contentVeth,
        },
      )
    }
  }
  if (await netnsExists(record.netns)) {
    const del = await runCommand(['ip', 'netns', 'delete', record.netns])
    if (del.exitCode !== 0 && (await netnsExists(record.netns))) {
      throw new HostsError(
        'WORLD_HOSTS_COMMAND_FAILED',
        `ip netns delete ${record.netns}: ${del.stderr.trim()}`,
        { netns: record.netns },
      )
    }
  }
  // The host's mounts live in its own mount namespace and vanish with its last process; anything
  // found here leaked through a shared propagation and is detached lazily.
  for (const mountPoint of await mountsBelow(record.layerDir)) {
    await runCommand(['umount', '-l', mountPoint])
  }
  await rm(record.layerDir, { recursive: true, force: true })
}

/** Deletes a bridge if it exists. */
export async function deleteBridge(bridge: string): Promise<void> {
  if (await exists(`/sys/class/net/${bridge}`)) {
    await runChecked(['ip', 'link', 'delete', bridge])
  }
}
