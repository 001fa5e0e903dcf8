import { Hono } from 'hono'
import { RELEASE_REPO, releaseToJson, type Release } from './release-index.ts'

/** Reads an asset's bytes by name; undefined when there is no such asset. */
export type AssetReader = (name: string) => Promise<Uint8Array | undefined>

/** GitHub's body for a missing resource. */
const NOT_FOUND = { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' }

/**
 * The release server as a `Request → Response` app (testable without a socket): the GitHub releases
 * API subset an installer uses, plus the download URLs of the assets.
 */
export function createReleaseApp(release: Release, readAsset: AssetReader, baseUrl: () => string): Hono {
  const app = new Hono()
  const api = `/repos/${RELEASE_REPO}`
  app.get(`${api}/releases`, (c) => c.json([releaseToJson(release, baseUrl())]))
  app.get(`${api}/releases/latest`, (c) => c.json(releaseToJson(release, baseUrl())))
  app.get(`${api}/releases/tags/:tag`, (c) =>
    c.req.param('tag') === release.tag ? c.json(releaseToJson(release, baseUrl())) : c.json(NOT_FOUND, 404),
  )
  app.get(`${api}/releases/:id{[0-9]+}`, (c) =>
    Number(c.req.param('id')) === release.id
      ? c.json(releaseToJson(release, baseUrl()))
      : c.json(NOT_FOUND, 404),
  )
  app.get(`/${RELEASE_REPO}/releases/download/:tag/:name`, async (c) => {
    const name = c.req.param('name')
    const asset = release.assets.find((a) => a.name === name)
    if (c.req.param('tag') !== release.tag || asset === undefined) return c.text('Not Found', 404)
    const bytes = await readAsset(asset.name)
    if (bytes === undefined) return c.text('Not Found', 404)
    return c.body(bytes.slice().buffer, 200, {
      'content-type': asset.contentType,
      'content-length': String(bytes.length),
      'content-disposition': `attachment; filename=${asset.name}`,
    })
  })
  app.notFound((c) => c.json(NOT_FOUND, 404))
  return app
}
