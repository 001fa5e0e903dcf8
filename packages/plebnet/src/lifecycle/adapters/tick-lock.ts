import { closeSync, openSync } from 'node:fs'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import type { TickReport } from '../../agent/create-agent.ts'

/**
 * The tick lock shared by the daemon and `plebnet check` (AGENT.md §3.2: ticks never overlap): an
 * empty SQLite database held in an EXCLUSIVE transaction for the tick's duration. Named apart from
 * the former pid file `plebnet.lock`, which an old version may have left behind.
 */
export const TICK_LOCK_FILE = 'tick-lock.sqlite'

/** SQLite's primary result code for "another connection holds the lock" (https://sqlite.org/rescode.html#busy). */
const SQLITE_BUSY = 5

function isBusy(err: unknown): boolean {
  const errcode = (err as { errcode?: unknown }).errcode
  // Extended codes (SQLITE_BUSY_*) keep the primary code in the low byte.
  return typeof errcode === 'number' && (errcode & 0xff) === SQLITE_BUSY
}

/**
 * Takes the lock, or returns undefined at once when another tick holds it. The lock is SQLite's POSIX
 * advisory lock on the file, which the kernel drops when the holding process dies (kill -9 included),
 * so a dead holder never needs a takeover. The former pid-file lock raced there: after a kill -9, two
 * ticks starting together could both remove the stale file and both hold the lock.
 *
 * @returns the release function (idempotent)
 */
export async function acquireTickLock(home: string): Promise<(() => Promise<void>) | undefined> {
  const path = join(home, TICK_LOCK_FILE)
  // Created 0600 first (SQLite would use the umask); the file holds no data.
  closeSync(openSync(path, 'a', 0o600))
  // timeout 0: no busy wait, a second tick learns at once that one is running.
  const db = new DatabaseSync(path, { timeout: 0 })
  try {
    db.exec('BEGIN EXCLUSIVE')
  } catch (err) {
    db.close()
    if (isBusy(err)) return undefined
    throw err
  }
  return async () => {
    if (!db.isOpen) return
    try {
      db.exec('ROLLBACK')
    } finally {
      db.close()
    }
  }
}

/** The report of a tick that did not run because another holds the tick lock. */
export const LOCKED_TICK: TickReport = {
  ran: false,
  effects: [],
  idle: 'LOCKED',
  state: undefined,
  status: undefined,
  sell: undefined,
}

/**
 * Runs `tick` under the tick lock of the agent in `home` (AGENT.md §3.2: ticks never overlap, the
 * daemon's and `plebnet check`'s included); {@link LOCKED_TICK} when another tick holds it.
 */
export async function withTickLock(home: string, tick: () => Promise<TickReport>): Promise<TickReport> {
  const release = await acquireTickLock(home)
  if (release === undefined) return LOCKED_TICK
  try {
    return await tick()
  } finally {
    await release()
  }
}
