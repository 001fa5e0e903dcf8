import { createScaledClock, type Logger, type ScaledClock } from '@dolly/base'
import { startChain, stopLeftoverChain, type ChainHandle } from '../chain/adapters/litecoind.ts'
import { startBlockProducer } from '../chain/block-producer.ts'
import { WorldError } from '../errors.ts'
import {
  acquireLock,
  releaseLock,
  removeWorldState,
  worldPaths,
  writeWorldState,
} from './adapters/world-dir.ts'
import type { WorldState } from './world-state.ts'

/** Default world seconds per real second: one real second is one world minute. */
export const DEFAULT_TIME_SCALE = 60
/** Default block interval in world minutes (Bitcoin's target spacing). */
export const DEFAULT_BLOCK_INTERVAL_MIN = 10

/** Options of `startWorld`, parsed from the CLI. */
export interface WorldOptions {
  readonly dir: string
  readonly timeScale: number
  readonly blockIntervalMin: number
}

/** What `startWorld` needs from its composition root. */
export interface WorldDeps {
  readonly log: Logger
  /** Real Unix time in ms (the system clock's), the epoch world time is scaled from. */
  readonly realNowMs: () => number
  readonly pid: number
  /** Called after each block the producer mines, for progress output. */
  readonly onBlock?: (height: number, worldTimeMs: number) => void
}

/** A running world. */
export interface WorldHandle {
  readonly state: WorldState
  readonly clock: ScaledClock
  readonly chain: ChainHandle
  /** Stops every component in reverse start order and releases the directory; idempotent. */
  stop(): Promise<void>
}

/**
 * Starts the world in `options.dir`: takes the directory's lock (refusing a second world), cleans
 * up what a crashed world left behind, starts the chain and the block producer on the scaled
 * clock, and publishes `world.json`.
 *
 * @throws WorldError WORLD_ALREADY_RUNNING, WORLD_INVALID_OPTION, and the chain's start errors.
 */
export async function startWorld(deps: WorldDeps, options: WorldOptions): Promise<WorldHandle> {
  if (!Number.isFinite(options.timeScale) || options.timeScale <= 0 || options.timeScale > 1_000_000) {
    throw new WorldError(
      'WORLD_INVALID_OPTION',
      `--time-scale must be a number in (0, 1000000], got ${options.timeScale}`,
      {
        timeScale: options.timeScale,
      },
    )
  }
  if (!Number.isFinite(options.blockIntervalMin) || options.blockIntervalMin <= 0) {
    throw new WorldError(
      'WORLD_INVALID_OPTION',
      `--block-interval must be a positive number of world minutes, got ${options.blockIntervalMin}`,
      {
        blockIntervalMin: options.blockIntervalMin,
      },
    )
  }
  const log = deps.log.child({ component: 'world' })
  const { staleFrom } = await acquireLock(options.dir, deps.pid)
  const paths = worldPaths(options.dir)
  if (staleFrom !== undefined) {
    log.warn('world.leftovers', { stalePid: staleFrom })
    await stopLeftoverChain(paths.chainDir, log)
    await removeWorldState(options.dir)
  }
  const stops: Array<() => Promise<void>> = []
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.reverse()) {
      try {
        await stop()
      } catch (err) {
        log.error('world.stop_failed', { err })
      }
    }
    stops.length = 0
    await removeWorldState(options.dir)
    await releaseLock(options.dir, deps.pid)
  }
  try {
    const epochRealMs = deps.realNowMs()
    const clock = createScaledClock(
      { scale: options.timeScale, epochRealMs, epochWorldMs: epochRealMs },
      deps.realNowMs,
    )
    const chain = await startChain({ dir: paths.chainDir, log })
    stops.push(() => chain.stop())
    const producer = startBlockProducer(
      {
        clock,
        log,
        mineBlock: async () => {
          await chain.mine(1)
          deps.onBlock?.(await chain.rpc<number>('getblockcount'), clock.nowMs())
        },
      },
      { intervalWorldMs: Math.round(options.blockIntervalMin * 60_000) },
    )
    stops.push(() => producer.stop())
    const state: WorldState = {
      version: 1,
      pid: deps.pid,
      startedAtRealMs: epochRealMs,
      timeScale: clock.timeScale,
      blockIntervalWorldMs: Math.round(options.blockIntervalMin * 60_000),
      chain: {
        rpcUrl: chain.rpcUrl,
        rpcUser: chain.rpcUser,
        rpcPassword: chain.rpcPassword,
        dataDir: chain.dataDir,
        pid: chain.pid,
      },
    }
    await writeWorldState(options.dir, state)
    log.info('world.up', { dir: options.dir, timeScale: options.timeScale })
    let stopped: Promise<void> | undefined
    return { state, clock, chain, stop: () => (stopped ??= stopAll()) }
  } catch (err) {
    await stopAll()
    throw err
  }
}
