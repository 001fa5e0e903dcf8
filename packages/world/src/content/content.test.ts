import { createHash } from 'node:crypto'
import { createSocket } from 'node:dgram'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startContentServer, type ContentServer } from './adapters/content-server.ts'
import { CONTENT_FILES, MIB, contentChunks, contentFile, contentSha256 } from './files.ts'

describe('content files', () => {
  it('the catalogue spans 1 MiB to 100 MiB with distinct sizes', () => {
    expect(CONTENT_FILES[0]?.bytes).toBe(MIB)
    expect(CONTENT_FILES.at(-1)?.bytes).toBe(100 * MIB)
    expect(new Set(CONTENT_FILES.map((f) => f.bytes)).size).toBe(CONTENT_FILES.length)
    expect(contentFile('10MiB.bin')?.bytes).toBe(10 * MIB)
    expect(contentFile('../etc/passwd')).toBeUndefined()
  })

  it('content is deterministic, of the stated length, and differs between files', () => {
    const f = { name: 'x.bin', bytes: 300_001 }
    const a = Buffer.concat([...contentChunks(f)])
    const b = Buffer.concat([...contentChunks(f)])
    expect(a.length).toBe(300_001)
    expect(a.equals(b)).toBe(true)
    const other = Buffer.concat([...contentChunks({ name: 'y.bin', bytes: 300_001 })])
    expect(a.equals(other)).toBe(false)
    // Not a constant or short-period pattern: the bytes look random.
    expect(new Set(a.subarray(0, 4096)).size).toBeGreaterThan(200)
    expect(contentSha256(f)).toBe(createHash('sha256').update(a).digest('hex'))
  })
})

describe('content server (loopback)', () => {
  let server: ContentServer
  beforeAll(async () => {
    server = await startContentServer({ host: '127.0.0.1', httpPort: 0, udpPort: 0 })
  })
  afterAll(() => server.stop())

  it('serves a file whose SHA-256 is the catalogue digest', async () => {
    const file = contentFile('2MiB.bin')
    if (file === undefined) throw new Error('no 2MiB.bin')
    const res = await fetch(new URL(`files/${file.name}`, server.url))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-length')).toBe(String(file.bytes))
    const body = Buffer.from(await res.arrayBuffer())
    expect(body.length).toBe(file.bytes)
    expect(createHash('sha256').update(body).digest('hex')).toBe(contentSha256(file))
  })

  it('lists the catalogue and answers 404 for other paths', async () => {
    const list = (await (await fetch(server.url)).json()) as { files: unknown }
    expect(list.files).toEqual(CONTENT_FILES)
    expect((await fetch(new URL('files/nope.bin', server.url))).status).toBe(404)
    expect((await fetch(new URL('files/1MiB.bin', server.url), { method: 'POST' })).status).toBe(405)
  })

  it('echoes UDP datagrams', async () => {
    const socket = createSocket('udp4')
    try {
      const reply = await new Promise<Buffer>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no echo within 2 s')), 2_000)
        socket.once('message', (msg) => {
          clearTimeout(timer)
          resolve(msg)
        })
        socket.send(Buffer.from('ping 42'), server.udpPort, '127.0.0.1')
      })
      expect(reply.toString()).toBe('ping 42')
    } finally {
      socket.close()
    }
  })
})
