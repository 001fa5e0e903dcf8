import { mkdir, open, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileAtomic } from '@dolly/base'
import { WorldError } from '../../errors.ts'
import { isAlive } from '../../chain/adapters/litecoind.ts'
import { parseWorldState, type WorldState } from '../world-state.ts'

/** Files a world keeps in its directory. */
export function worldPaths(dir: string): { lock: string; state: string; chainDir: string; log: string } {
  return {
    lock: join(dir, 'world.lock'),
    state: join(dir, 'world.json'),
    chainDir: join(dir, 'chain'),
    log: join(dir, 'world.log'),
  }
}

/** Who holds a world directory's lock. */
export type LockHolder =
  | { readonly kind: 'none' }
  | { readonly kind: 'live'; readonly pid: number }
  | { readonly kind: 'stale'; readonly pid: number }

/** Reads the lock: free, held by a live process, or left behind by a dead one. */
export async function readLock(dir: string): Promise<LockHolder> {
  let text: string
  try {
    text = await readFile(worldPaths(dir).lock, 'utf8')
  } catch {
    return { kind: 'none' }
  }
  const pid = Number.parseInt(text.trim(), 10)
  if (!Number.isSafeInteger(pid) || pid <= 0) return { kind: 'stale', pid: 0 }
  return isAlive(pid) ? { kind: 'live', pid } : { kind: 'stale', pid }
}

/**
 * Takes the world directory's lock for process `pid` (exclusive create, so two `up`s cannot both
 * win). A lock whose process is dead is reported as stale for the caller to clean up first.
 *
 * @throws WorldError WORLD_ALREADY_RUNNING
 */
export async function acquireLock(dir: string, pid: number): Promise<{ staleFrom?: number }> {
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const holder = await readLock(dir)
  if (holder.kind === 'live') {
    throw new WorldError(
      'WORLD_ALREADY_RUNNING',
      `a world is already running in ${dir} (pid ${holder.pid}); see it with 'dolly world status --dir ${dir}' or stop it with 'dolly world down --dir ${dir}'`,
      { dir, pid: holder.pid },
    )
  }
  if (holder.kind === 'stale') await rm(worldPaths(dir).lock, { force: true })
  let handle
  try {
    handle = await open(worldPaths(dir).lock, 'wx', 0o600)
  } catch (err) {
    throw new WorldError(
      'WORLD_ALREADY_RUNNING',
      `another 'dolly world up' took ${dir} at the same moment`,
      { dir },
      { cause: err },
    )
  }
  await handle.writeFile(`${pid}\n`)
  await handle.close()
  return holder.kind === 'stale' ? { staleFrom: holder.pid } : {}
}

/** Releases the lock if `pid` holds it. */
export async function releaseLock(dir: string, pid: number): Promise<void> {
  const holder = await readLock(dir)
  if (holder.kind !== 'none' && holder.pid === pid) await rm(worldPaths(dir).lock, { force: true })
}

/** Publishes the world's state atomically (write to a temp file, then rename); 0600: it holds the RPC password. */
export async function writeWorldState(dir: string, state: WorldState): Promise<void> {
  const file = worldPaths(dir).state
  await writeFileAtomic(file, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 })
}

/** Reads the published state; undefined when no world has published one. */
export async function readWorldState(dir: string): Promise<WorldState | undefined> {
  const file = worldPaths(dir).state
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch {
    return undefined
  }
  return parseWorldState(text, file)
}

/** Removes the published state. */
export async function removeWorldState(dir: string): Promise<void> {
  await rm(worldPaths(dir).state, { force: true })
}
