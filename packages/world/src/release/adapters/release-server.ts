import { readFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { join, resolve } from 'node:path'
import { serve } from '@hono/node-server'
import type { Logger } from '@dolly/base'
import { ReleaseError } from '../errors.ts'
import { createReleaseApp } from '../release-app.ts'
import type { Release } from '../release-index.ts'
import { buildRelease } from './build-release.ts'

/** Options of {@link startReleaseServer}. */
export interface ReleaseServerOptions {
  /** The git working tree to release (the repository root). */
  readonly repoDir: string
  /** Address to bind: the bridge gateway in the world, 127.0.0.1 in tests. */
  readonly host: string
  /** TCP port; 0 picks a free one. */
  readonly port: number
  /** Where the built assets are written. */
  readonly dataDir: string
  readonly log: Logger
}

/** A running release server. */
export interface ReleaseServer {
  /** Base URL; the API is under `${url}/repos/dollynator/dollynator/releases`. */
  readonly url: string
  /** The release it serves (tag, commit, assets with sizes and SHA-256). */
  readonly release: Release
  /** Closes the listener and its connections; idempotent. */
  stop(): Promise<void>
}

/**
 * Builds a release from the working tree and serves it with a GitHub-releases-like API, so agents
 * install themselves "from the repository" inside the world.
 */
export async function startReleaseServer(options: ReleaseServerOptions): Promise<ReleaseServer> {
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65_535) {
    throw new ReleaseError('WORLD_RELEASE_INVALID_OPTION', `port must be 0..65535, got ${options.port}`, {
      port: options.port,
    })
  }
  const log = options.log.child({ component: 'release-server' })
  const startedMs = performance.now()
  const built = await buildRelease(resolve(options.repoDir), resolve(options.dataDir))
  const { release } = built
  let baseUrl = ''
  const app = createReleaseApp(
    release,
    async (name) => {
      if (!release.assets.some((a) => a.name === name)) return undefined
      return new Uint8Array(await readFile(join(built.assetsDir, name)))
    },
    () => baseUrl,
  )
  const server = await new Promise<ReturnType<typeof serve>>((resolveServer, reject) => {
    const s = serve({ fetch: app.fetch, port: options.port, hostname: options.host }, () => resolveServer(s))
    s.once('error', reject)
  })
  const { port } = server.address() as AddressInfo
  baseUrl = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`
  log.info('release.server.started', {
    url: baseUrl,
    tag: release.tag,
    files: built.fileCount,
    skipped: built.skipped,
    tarballBytes: release.assets[0]?.sizeBytes,
    buildMs: Math.round(performance.now() - startedMs),
  })
  let stopping: Promise<void> | undefined
  return {
    url: baseUrl,
    release,
    stop() {
      stopping ??= new Promise<void>((resolveStop) => {
        server.close(() => resolveStop())
        if ('closeAllConnections' in server) server.closeAllConnections()
      })
      return stopping
    },
  }
}
