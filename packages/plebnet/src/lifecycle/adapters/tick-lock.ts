import { open, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'

/** The tick lock shared by the daemon and `plebnet check` (AGENT.md §3.2: ticks never overlap). */
export const TICK_LOCK_FILE = 'plebnet.lock'

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as { code?: unknown }).code === 'EPERM'
  }
}

/**
 * Takes the lock (an O_EXCL file holding our pid); a lock whose holder is dead (kill -9) is taken
 * over. Returns the release function, or undefined when a living process holds it.
 */
export async function acquireTickLock(home: string): Promise<(() => Promise<void>) | undefined> {
  const path = join(home, TICK_LOCK_FILE)
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o600)
      await handle.writeFile(String(process.pid))
      await handle.close()
      return () => rm(path, { force: true })
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'EEXIST') throw err
      const holder = Number((await readFile(path, 'utf8').catch(() => '')).trim())
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder)) return undefined
      await rm(path, { force: true })
    }
  }
  return undefined
}
