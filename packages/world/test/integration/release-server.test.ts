import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createMemoryLogger, errorCode } from '@dolly/base'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startReleaseServer, type ReleaseServer } from '../../src/release/index.ts'

const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@example.org',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@example.org',
}

interface ReleaseJson {
  tag_name: string
  assets: { name: string; size: number; browser_download_url: string }[]
}

describe('release server', () => {
  let dir: string
  let server: ReleaseServer
  const log = createMemoryLogger()

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dolly-release-'))
    const repo = join(dir, 'repo')
    await mkdir(join(repo, 'packages/plebnet'), { recursive: true })
    await writeFile(
      join(repo, 'packages/plebnet/package.json'),
      '{"name":"@dolly/plebnet","version":"1.2.3"}\n',
    )
    await writeFile(join(repo, 'README.md'), 'committed\n')
    await writeFile(join(repo, '.env'), 'SECRET=1\n')
    await writeFile(join(repo, 'gone.txt'), 'deleted later\n')
    execFileSync('git', ['init', '-q', repo])
    execFileSync('git', ['-C', repo, 'add', '.'])
    execFileSync('git', ['-C', repo, 'commit', '-q', '-m', 'init'], { env: gitEnv })
    // The working tree wins over the commit; untracked files never ship.
    await writeFile(join(repo, 'README.md'), 'edited in the working tree\n')
    await writeFile(join(repo, 'untracked.txt'), 'not tracked\n')
    await rm(join(repo, 'gone.txt'))
    server = await startReleaseServer({
      repoDir: repo,
      host: '127.0.0.1',
      port: 0,
      dataDir: join(dir, 'data'),
      log,
    })
  })

  afterAll(async () => {
    await server?.stop()
    if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  })

  it('publishes a GitHub-like index whose tarball matches its size and SHA256SUMS', async () => {
    const releases = (await (
      await fetch(`${server.url}/repos/dollynator/dollynator/releases`)
    ).json()) as ReleaseJson[]
    expect(releases).toHaveLength(1)
    const [release] = releases
    expect(release!.tag_name).toMatch(/^v1\.2\.3-g[0-9a-f]{7}-dirty$/)
    const names = release!.assets.map((a) => a.name)
    expect(names).toEqual([`dollynator-${release!.tag_name}.tar.gz`, 'SHA256SUMS'])
    const tarAsset = release!.assets[0]!
    const tarball = Buffer.from(await (await fetch(tarAsset.browser_download_url)).arrayBuffer())
    expect(tarball.length).toBe(tarAsset.size)
    const sums = await (await fetch(release!.assets[1]!.browser_download_url)).text()
    expect(sums).toBe(`${createHash('sha256').update(tarball).digest('hex')}  ${tarAsset.name}\n`)

    const tarPath = join(dir, 'download.tar.gz')
    await writeFile(tarPath, tarball)
    const prefix = `dollynator-${release!.tag_name}`
    const listing = execFileSync('tar', ['-tzf', tarPath], { encoding: 'utf8' }).trim().split('\n').sort()
    expect(listing).toEqual([`${prefix}/README.md`, `${prefix}/packages/plebnet/package.json`])
    const readme = execFileSync('tar', ['-xzOf', tarPath, `${prefix}/README.md`], { encoding: 'utf8' })
    expect(readme).toBe('edited in the working tree\n')
    expect(log.entries.find((e) => e.event === 'release.server.started')?.fields).toMatchObject({
      skipped: ['.env'],
    })
  })

  it('answers latest and unknown tags as GitHub does', async () => {
    const latest = (await (
      await fetch(`${server.url}/repos/dollynator/dollynator/releases/latest`)
    ).json()) as ReleaseJson
    expect(latest.tag_name).toBe(server.release.tag)
    expect((await fetch(`${server.url}/repos/dollynator/dollynator/releases/tags/v0.0.0`)).status).toBe(404)
  })

  it('refuses a directory that is not a git repository', async () => {
    const empty = join(dir, 'not-a-repo')
    await mkdir(empty)
    await expect(
      startReleaseServer({ repoDir: empty, host: '127.0.0.1', port: 0, dataDir: join(dir, 'data2'), log }),
    ).rejects.toSatisfy((e) => errorCode(e) === 'WORLD_RELEASE_NOT_A_REPO')
  })
})
