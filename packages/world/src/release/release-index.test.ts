import { describe, expect, it } from 'vitest'
import { createReleaseApp } from './release-app.ts'
import {
  assetPath,
  isSecretLookingPath,
  releaseTag,
  releaseToJson,
  renderSha256Sums,
  type Release,
} from './release-index.ts'

const RELEASE: Release = {
  id: 1,
  tag: 'v0.1.0-g38af58b',
  commit: '38af58b0000000000000000000000000000000aa',
  createdAt: '2026-11-21T22:00:00.000Z',
  assets: [
    {
      id: 1,
      name: 'dollynator-v0.1.0-g38af58b.tar.gz',
      sizeBytes: 3,
      sha256: 'ab'.repeat(32),
      contentType: 'application/gzip',
    },
    { id: 2, name: 'SHA256SUMS', sizeBytes: 99, sha256: 'cd'.repeat(32), contentType: 'text/plain' },
  ],
}

describe('release index', () => {
  it('tags like git describe, marking a dirty tree', () => {
    expect(releaseTag('0.1.0', '38af58b123456', false)).toBe('v0.1.0-g38af58b')
    expect(releaseTag('0.1.0', '38af58b123456', true)).toBe('v0.1.0-g38af58b-dirty')
  })

  it('writes SHA256SUMS as sha256sum does', () => {
    expect(renderSha256Sums([{ name: 'a.tar.gz', sha256: 'ab'.repeat(32) }])).toBe(
      `${'ab'.repeat(32)}  a.tar.gz\n`,
    )
  })

  it.each([
    '.env',
    'config/.env.local',
    'keys/id_ed25519',
    'server.pem',
    'x/tls.key',
    'wallet.json',
    '.npmrc',
  ])('leaves out %s', (path) => {
    expect(isSecretLookingPath(path)).toBe(true)
  })

  it.each([
    'package.json',
    'packages/world/src/hosts/index.ts',
    'keys/id_ed25519.pub',
    'docs/keyboard.md',
    'environment.ts',
  ])('ships %s', (path) => {
    expect(isSecretLookingPath(path)).toBe(false)
  })

  it('shapes the release like GitHub: tag_name and assets with name, size and download URL', () => {
    const json = releaseToJson(RELEASE, 'http://10.77.3.1:8080')
    expect(json).toMatchObject({
      tag_name: 'v0.1.0-g38af58b',
      target_commitish: RELEASE.commit,
      tarball_url:
        'http://10.77.3.1:8080/dollynator/dollynator/releases/download/v0.1.0-g38af58b/dollynator-v0.1.0-g38af58b.tar.gz',
      assets: [
        {
          name: 'dollynator-v0.1.0-g38af58b.tar.gz',
          size: 3,
          browser_download_url: expect.stringMatching(/\/releases\/download\/v0\.1\.0-g38af58b\//),
        },
        { name: 'SHA256SUMS', size: 99 },
      ],
    })
  })
})

describe('release app', () => {
  const files = new Map([
    ['dollynator-v0.1.0-g38af58b.tar.gz', new Uint8Array([1, 2, 3])],
    ['SHA256SUMS', new TextEncoder().encode('sums\n')],
  ])
  const app = createReleaseApp(
    RELEASE,
    (name) => Promise.resolve(files.get(name)),
    () => 'http://127.0.0.1:1',
  )

  it('lists releases, the latest one and one by tag', async () => {
    const list = (await (await app.request('/repos/dollynator/dollynator/releases')).json()) as {
      tag_name: string
    }[]
    expect(list.map((r) => r.tag_name)).toEqual([RELEASE.tag])
    expect(
      ((await (await app.request('/repos/dollynator/dollynator/releases/latest')).json()) as { id: number })
        .id,
    ).toBe(1)
    expect((await app.request(`/repos/dollynator/dollynator/releases/tags/${RELEASE.tag}`)).status).toBe(200)
    const missing = await app.request('/repos/dollynator/dollynator/releases/tags/v9.9.9')
    expect(missing.status).toBe(404)
    expect(await missing.json()).toMatchObject({ message: 'Not Found' })
  })

  it('serves asset bytes at the download URL and 404s for unknown tags or names', async () => {
    const ok = await app.request(assetPath(RELEASE.tag, 'dollynator-v0.1.0-g38af58b.tar.gz'))
    expect(ok.status).toBe(200)
    expect(new Uint8Array(await ok.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]))
    expect((await app.request(assetPath('v0.0.1', 'SHA256SUMS'))).status).toBe(404)
    expect((await app.request(assetPath(RELEASE.tag, '../../etc/passwd'))).status).toBe(404)
  })
})
