import { execFileSync } from 'node:child_process'
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createMemoryLogger } from '@dolly/base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startReleaseServer, type ReleaseServer } from '@dolly/world'
import { inHost, REPO_ROOT, runPlebnet, startTestWorld, type TestWorld } from './replication-helpers.ts'

// A release install: the child downloads the world release server's tarball itself and checks it
// against SHA256SUMS; the parent pushes only the runtime and dependencies. The release is built from
// a scratch git repository holding the working tree's agent packages, so the test does not depend on
// what is committed yet.
describe('plebnet create-child --release from the world release server', () => {
  let world: TestWorld
  let home: string
  let repo: string
  let releases: ReleaseServer

  beforeAll(async () => {
    world = await startTestWorld()
    home = await mkdtemp(join(tmpdir(), 'dolly-parent-rel-'))
    repo = await mkdtemp(join(tmpdir(), 'dolly-release-repo-'))
    await cp(join(REPO_ROOT, 'package.json'), join(repo, 'package.json'))
    // Every package the agent runs (all but the world, which agents never import).
    const agentPackages = (await readdir(join(REPO_ROOT, 'packages'))).filter((p) => p !== 'world')
    for (const pkg of agentPackages) {
      await cp(join(REPO_ROOT, 'packages', pkg), join(repo, 'packages', pkg), {
        recursive: true,
        filter: (src) => !src.includes('node_modules'),
      })
    }
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', '-C', repo, ...args])
    git('init', '-q')
    git('add', '-A')
    git('commit', '-q', '-m', 'release under test')
    releases = await startReleaseServer({
      repoDir: repo,
      host: world.network.gatewayIp,
      port: 0,
      dataDir: join(repo, '.release-data'),
      log: createMemoryLogger(),
    })
    expect((await runPlebnet(home, ['setup', '--no-service', '--tree', 'relroot'])).exitCode).toBe(0)
  })

  afterAll(async () => {
    await releases?.stop()
    await world?.stop()
    for (const dir of [home, repo]) if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  })

  it('installs the latest release, verified against SHA256SUMS, and the child comes alive', async () => {
    const host = await world.provisioner.create({ hostname: 'relchild', rootPassword: 'rel-pw' })
    const run = await runPlebnet(
      home,
      [
        'create-child',
        '-i',
        host.ip,
        '-p',
        'rel-pw',
        '--release',
        'latest',
        '--release-url',
        releases.url,
        '--json',
      ],
      180_000,
    )
    expect(run.exitCode, run.stdout + run.stderr).toBe(0)
    const report = JSON.parse(run.stdout) as { bundleId: string; tree: string; status: { tree: string } }
    const tarball = releases.release.assets.find((a) => a.name.endsWith('.tar.gz'))
    expect(report.bundleId).toMatch(/^rt-[0-9a-f]{16}-[0-9a-f]{12}$/)
    expect(report.bundleId.endsWith(tarball?.sha256.slice(0, 12) ?? 'none')).toBe(true)
    expect(report.status.tree).toBe('relroot.0')
    // The sources came from the release; the pushed runtime bundle carried none of them.
    expect(
      await inHost(host, 'test -f /opt/plebnet/current/app/packages/plebnet/src/cli/main.ts && echo yes'),
    ).toBe('yes\n')
    expect(
      await inHost(host, 'grep -c "packages/plebnet/src" /opt/plebnet/current/MANIFEST.sha256 || true'),
    ).toBe('0\n')
    expect(await inHost(host, 'ls /opt/plebnet/incoming')).toBe('')
  })

  it('refuses a release whose tarball does not match SHA256SUMS', async () => {
    const host = await world.provisioner.create({ hostname: 'relbad', rootPassword: 'bad-pw' })
    // A channel that lists a wrong checksum: the release server's JSON with SHA256SUMS served from elsewhere.
    const { createServer } = await import('node:http')
    const server = createServer((req, res) => {
      if (req.url?.endsWith('/releases/latest')) {
        void fetch(`${releases.url}${req.url}`)
          .then((r) => r.json() as Promise<{ assets: { name: string; browser_download_url: string }[] }>)
          .then((json: { assets: { name: string; browser_download_url: string }[] }) => {
            for (const a of json.assets)
              if (a.name === 'SHA256SUMS')
                a.browser_download_url = `http://${world.network.gatewayIp}:${port()}/SHA256SUMS`
            res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(json))
          })
      } else {
        const name = releases.release.assets.find((a) => a.name.endsWith('.tar.gz'))?.name ?? ''
        res.writeHead(200).end(`${'0'.repeat(64)}  ${name}\n`)
      }
    })
    await new Promise<void>((r) => server.listen(0, world.network.gatewayIp, () => r()))
    const port = (): number => (server.address() as { port: number }).port
    try {
      const run = await runPlebnet(
        home,
        [
          'create-child',
          '-i',
          host.ip,
          '-p',
          'bad-pw',
          '--release',
          'latest',
          '--release-url',
          `http://${world.network.gatewayIp}:${port()}`,
          '--json',
        ],
        180_000,
      )
      expect(run.exitCode).toBe(3)
      expect((JSON.parse(run.stdout) as { error: { code: string } }).error.code).toBe(
        'REPLICATION_CHECKSUM_MISMATCH',
      )
      expect(await inHost(host, 'ls /opt/plebnet/versions 2>/dev/null || true')).toBe('')
    } finally {
      server.closeAllConnections()
      await new Promise<void>((r) => server.close(() => r()))
      await host.destroy()
    }
  })
})
