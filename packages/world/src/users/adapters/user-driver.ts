import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import { realSleep, type Logger } from '@dolly/base'
import { startReadyProcess, type ReadyProcess } from '../../content/adapters/ready-process.ts'
import { contentSha256 } from '../../content/files.ts'
import type { BuyerProfile } from '../buyers.ts'
import type { PlannedRequest } from '../demand.ts'
import {
  addRequest,
  emptyStats,
  parseBuyerLine,
  parseProxyReady,
  type BuyerStats,
  type ProxyPorts,
  type RequestRecord,
  type UserStats,
} from '../stats.ts'

/** Ports of {@link startUserDriver}. */
export interface UserDriverDeps {
  /** Turns a command into one that runs in the user's network namespace (`nsenter --net=…`); identity in tests. */
  readonly inUserNet: (argv: readonly string[]) => string[]
  readonly log: Logger
  /** Real Unix time (ms). */
  readonly nowMs: () => number
}

/** Options of {@link startUserDriver}. */
export interface UserDriverOptions {
  readonly name: string
  readonly hostIp: string
  /** The proxy's home directory (its identity and state). */
  readonly homeDir: string
  /** How to run the plebnet CLI, e.g. `[node, packages/plebnet/bin/plebnet.js]`. */
  readonly plebnetCommand: readonly string[]
  /** The agents' overlay multiaddrs (`/ip4/<ip>/tcp/8000/p2p/<peer id>`), at least one. */
  readonly bootstrap: readonly string[]
  /** A free rider runs the proxy with `--no-pay` (a test-only knob of `plebnet proxy`). */
  readonly freeRider: boolean
  /** The proxy's base port P: it serves 1, 2, 3 hops on P+1, P+2, P+3. */
  readonly basePort: number
  /** The content server's base URL, e.g. `http://10.79.3.1:80/`. */
  readonly contentUrl: string
  /** When to ask for what, relative to the start of the requests. */
  readonly schedule: readonly PlannedRequest[]
  /** Requests running at once at most; a request due while that many run waits for one to end. */
  readonly maxInFlight: number
  /** How long the proxy may take to announce itself (ms). */
  readonly proxyStartTimeoutMs: number
  /** Aborts the start (the proxy is stopped); a started driver is stopped with `stop()`. */
  readonly signal?: AbortSignal
  /** Restarts of a proxy that exited on its own, at most (default 5); past them the user fails. */
  readonly proxyRestarts?: number
  /** Real ms before the first restart, doubling with each (default 1,000). */
  readonly proxyRestartWaitMs?: number
  /** The agents alive now, for a restarted proxy (empty or absent: the last bootstrap). */
  readonly refreshBootstrap?: () => Promise<readonly string[]>
  /**
   * A token buyer (issue 17): its proxy runs with `--buy-below` (its home holds a funded wallet and
   * the world's config, users/adapters/user-wallet.ts).
   */
  readonly buyer?: {
    readonly profile: BuyerProfile
    readonly belowMb: number
    readonly bidMb: number
    readonly bidTimeoutS: number
    /** Sats the faucet paid it so far. */
    readonly fundedSats: () => bigint
  }
}

/** A running user. */
export interface UserDriver {
  stats(): UserStats
  /** Stops the requests and the proxy; resolves when both ended. Idempotent. */
  stop(): Promise<void>
}

/** Restarts of a proxy that exited on its own, by default, before the user gives up. */
const DEFAULT_PROXY_RESTARTS = 5
/** Real ms before the first restart by default (then 2, 4, 8, 16 s). */
const DEFAULT_PROXY_RESTART_WAIT_MS = 1_000

/** Fixed part of a request's time limit (s): connection set-up through up to three hops. */
const REQUEST_BASE_TIMEOUT_S = 60
/** Slowest transfer rate a request is allowed before curl gives up (bytes/s): 256 KiB/s. */
const MIN_RATE_BYTES_PER_S = 256 * 1024

/** curl's time limit for a file of `bytes` (s). */
export function requestTimeoutS(bytes: number): number {
  return REQUEST_BASE_TIMEOUT_S + Math.ceil(bytes / MIN_RATE_BYTES_PER_S)
}

/** The argv of `plebnet proxy` for a user (see the contract in users/README.md). */
export function proxyArgv(options: UserDriverOptions): string[] {
  return [
    ...options.plebnetCommand,
    'proxy',
    '--home',
    options.homeDir,
    ...options.bootstrap.flatMap((b) => ['--bootstrap', b]),
    '--port',
    String(options.basePort),
    '--json',
    ...(options.freeRider ? ['--no-pay'] : []),
    ...(options.buyer === undefined
      ? []
      : [
          '--buy-below',
          String(options.buyer.belowMb),
          '--buy',
          String(options.buyer.bidMb),
          '--max-price',
          options.buyer.profile.maxSatPerMb.toString(),
          '--bid-timeout',
          String(options.buyer.bidTimeoutS),
          ...(options.buyer.profile.cheat === undefined ? [] : ['--cheat', options.buyer.profile.cheat]),
        ]),
  ]
}

/** The argv of one request: real curl through the proxy's SOCKS5 port (names resolved by the exit). */
export function curlArgv(port: number, url: string, bytes: number): string[] {
  return [
    'curl',
    '--socks5-hostname',
    `127.0.0.1:${port}`,
    '--silent',
    '--show-error',
    '--fail',
    '--max-time',
    String(requestTimeoutS(bytes)),
    '--output',
    '-',
    url,
  ]
}

/** Runs curl, hashing and counting the body as it streams (nothing is written to disk). */
function fetchThroughProxy(
  argv: readonly string[],
  signal: AbortSignal,
): Promise<{ bytes: number; sha256: string; exitCode: number | null; stderr: string }> {
  const [file, ...args] = argv
  return new Promise((resolve) => {
    const child = spawn(file ?? 'curl', args, { stdio: ['ignore', 'pipe', 'pipe'], signal })
    const hash = createHash('sha256')
    let bytes = 0
    let stderr = ''
    child.stdout.on('data', (b: Buffer) => {
      bytes += b.length
      hash.update(b)
    })
    child.stderr.on('data', (b: Buffer) => {
      if (stderr.length < 2000) stderr += b.toString('utf8')
    })
    child.on('error', () => {
      // Abort or a missing curl: the close event reports the outcome.
    })
    child.on('close', (code) => resolve({ bytes, sha256: hash.digest('hex'), exitCode: code, stderr }))
  })
}

/**
 * Starts one world user: its `plebnet proxy` in the user's network namespace, then its schedule of
 * downloads with real curl through the proxy's SOCKS5 port for each request's hop count, recording
 * bytes, duration, curl's exit status and whether the body's SHA-256 is the file's.
 * Throws `WORLD_USERS_PROXY_START` when the proxy does not announce itself.
 */
export async function startUserDriver(deps: UserDriverDeps, options: UserDriverOptions): Promise<UserDriver> {
  const log = deps.log.child({ component: 'users', user: options.name })
  let stats: UserStats = { ...emptyStats(options.name, options.hostIp, options.freeRider), state: 'starting' }
  const buyer = options.buyer
  let bought: Omit<BuyerStats, 'maxSatPerMb' | 'cheat' | 'fundedSats'> = {
    bids: 0,
    tradesCompleted: 0,
    tradesAborted: 0,
    satsPaid: '0',
    mbBoughtBytes: '0',
  }
  const withBuyer = (s: UserStats): UserStats =>
    buyer === undefined
      ? s
      : {
          ...s,
          buyer: {
            maxSatPerMb: buyer.profile.maxSatPerMb.toString(),
            cheat: buyer.profile.cheat ?? null,
            fundedSats: buyer.fundedSats().toString(),
            ...bought,
          },
        }
  await mkdir(options.homeDir, { recursive: true, mode: 0o700 })
  let bootstrap = options.bootstrap
  const startProxy = (signal: AbortSignal | undefined): Promise<ReadyProcess<ProxyPorts>> =>
    startReadyProcess({
      argv: deps.inUserNet(proxyArgv({ ...options, bootstrap })),
      readyFrom: parseProxyReady,
      timeoutMs: options.proxyStartTimeoutMs,
      ...(signal === undefined ? {} : { signal }),
      errorCode: 'WORLD_USERS_PROXY_START',
      what: `proxy of ${options.name}`,
      onLine: (stream, line) => {
        const b = stream === 'stdout' ? parseBuyerLine(line) : undefined
        if (b !== undefined) bought = b
        else log.debug('users.proxy_output', { stream, line: line.slice(0, 500) })
      },
    })
  let proxy: ReadyProcess<ProxyPorts>
  try {
    proxy = await startProxy(options.signal)
  } catch (err) {
    stats = { ...stats, state: 'failed', error: err instanceof Error ? err.message : String(err) }
    throw err
  }
  stats = { ...stats, state: 'running' }
  log.info('users.proxy_ready', { ports: proxy.ready, freeRider: options.freeRider })
  const stopper = new AbortController()
  const maxRestarts = options.proxyRestarts ?? DEFAULT_PROXY_RESTARTS
  const restartWaitMs = options.proxyRestartWaitMs ?? DEFAULT_PROXY_RESTART_WAIT_MS
  const fail = (error: string): void => {
    stats = { ...stats, state: 'failed', error }
    stopper.abort()
  }
  /**
   * A proxy that exits on its own (a crash, a kill -9) is started again, as a user restarts its
   * client: after a wait that doubles with each restart, with the agents alive then, at most
   * `maxRestarts` times in all (a start that fails counts as one).
   */
  let restarting: Promise<void> = Promise.resolve()
  const restart = async (code: number | string): Promise<void> => {
    let reason = `the proxy exited (${String(code)})`
    while (!stopper.signal.aborted) {
      if (stats.proxyRestarts >= maxRestarts) {
        log.warn('users.proxy_exited', { code, restarts: stats.proxyRestarts })
        fail(`${reason} after ${stats.proxyRestarts} restarts`)
        return
      }
      stats = { ...stats, proxyRestarts: stats.proxyRestarts + 1 }
      const waitMs = restartWaitMs * 2 ** (stats.proxyRestarts - 1)
      log.warn('users.proxy_restarting', { code, restart: stats.proxyRestarts, waitMs })
      await realSleep(waitMs, { signal: stopper.signal }).catch(() => undefined)
      if (stopper.signal.aborted) return
      const fresh = (await options.refreshBootstrap?.().catch(() => undefined)) ?? []
      if (fresh.length > 0) bootstrap = fresh
      try {
        proxy = await startProxy(stopper.signal)
      } catch (err) {
        reason = err instanceof Error ? err.message : String(err)
        continue
      }
      log.info('users.proxy_ready', { ports: proxy.ready, restart: stats.proxyRestarts })
      watch(proxy)
      return
    }
  }
  const watch = (running: ReadyProcess<ProxyPorts>): void => {
    void running.exited.then((code) => {
      if (!stopper.signal.aborted) restarting = restart(code)
    })
  }
  watch(proxy)

  const inFlight = new Set<Promise<void>>()
  const runOne = async (request: PlannedRequest): Promise<void> => {
    const url = new URL(`files/${request.file.name}`, options.contentUrl).href
    const startedAtMs = deps.nowMs()
    const t0 = performance.now()
    const result = await fetchThroughProxy(
      deps.inUserNet(curlArgv(proxy.ready[request.hops], url, request.file.bytes)),
      stopper.signal,
    )
    if (stopper.signal.aborted) return
    const record: RequestRecord = {
      startedAtMs,
      file: request.file.name,
      hops: request.hops,
      bytes: result.bytes,
      durationMs: Math.round(performance.now() - t0),
      exitCode: result.exitCode,
      sha256Ok: result.bytes === request.file.bytes && result.sha256 === contentSha256(request.file),
    }
    stats = addRequest(stats, record)
    if (record.exitCode !== 0 || !record.sha256Ok)
      log.info('users.request_failed', { ...record, stderr: result.stderr.trim().slice(0, 300) })
  }

  const loop = (async () => {
    const startMs = performance.now()
    for (const request of options.schedule) {
      const wait = startMs + request.atMs - performance.now()
      if (wait > 0) await realSleep(wait, { signal: stopper.signal }).catch(() => undefined)
      while (inFlight.size >= options.maxInFlight && !stopper.signal.aborted) await Promise.race(inFlight)
      if (stopper.signal.aborted) return
      const running: Promise<void> = runOne(request).finally(() => inFlight.delete(running))
      inFlight.add(running)
    }
    await Promise.allSettled([...inFlight])
  })()

  let stopping: Promise<void> | undefined
  return {
    stats: () => withBuyer(stats),
    stop: () =>
      (stopping ??= (async () => {
        stopper.abort()
        await loop
        await Promise.allSettled([...inFlight])
        await restarting
        await proxy.stop()
        if (stats.state === 'running') stats = { ...stats, state: 'stopped' }
      })()),
  }
}
