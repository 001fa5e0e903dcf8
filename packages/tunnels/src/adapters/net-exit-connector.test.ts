import { createHash } from 'node:crypto'
import { createServer, type Server } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createNetExitConnector } from './net-exit-connector.ts'

const MIB = 1024 * 1024

/** `bytes` of a pattern that differs per `seed` and per offset (so a mixed-up chunk shows). */
function pattern(seed: number, bytes: number): Buffer {
  const out = Buffer.allocUnsafe(bytes)
  for (let i = 0; i < bytes; i++) out[i] = (i * 31 + seed * 97 + (i >>> 16)) & 0xff
  return out
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

describe('createNetExitConnector', () => {
  const servers: Server[] = []
  afterEach(async () => {
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))))
    servers.length = 0
  })

  /** A loopback server that writes `data` to each connection in pieces and ends it. */
  const serve = async (data: Buffer): Promise<number> => {
    const server = createServer((socket) => {
      let at = 0
      const pump = (): void => {
        while (at < data.length) {
          const piece = data.subarray(at, Math.min(data.length, at + 40_000))
          at += piece.length
          if (!socket.write(piece)) return void socket.once('drain', pump)
        }
        socket.end()
      }
      pump()
    })
    servers.push(server)
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
    const address = server.address()
    return address !== null && typeof address === 'object' ? address.port : 0
  }

  it('delivers concurrent sockets byte-exact although they share one read buffer', async () => {
    // The connector reads every socket into one buffer (onread): each delivery must be consumed
    // before the next read, which a consumer that copies at once (as the exit's sealing does) sees
    // as byte-exact streams, whichever socket each read came from.
    const sources = [pattern(1, 6 * MIB), pattern(2, 5 * MIB + 123), pattern(3, 3 * MIB)]
    const ports = await Promise.all(sources.map((s) => serve(s)))
    const connector = createNetExitConnector()
    const received = await Promise.all(
      ports.map(
        (port) =>
          new Promise<{ bytes: Buffer; reads: number; sameBuffer: boolean }>((resolve, reject) => {
            const chunks: Buffer[] = []
            const backing = new Set<ArrayBufferLike>()
            void connector
              .connect('127.0.0.1', port, {
                onData(data) {
                  backing.add(data.buffer)
                  chunks.push(Buffer.from(data))
                },
                onClose(hadError) {
                  if (hadError) reject(new Error('socket failed'))
                  else
                    resolve({
                      bytes: Buffer.concat(chunks),
                      reads: chunks.length,
                      sameBuffer: backing.size === 1,
                    })
                },
                onDrain: () => undefined,
              })
              .then((r) => {
                if (!r.ok) reject(new Error(`connect failed: ${r.reason}`))
              })
          }),
      ),
    )
    for (const [i, got] of received.entries()) {
      expect(got.bytes.length).toBe(sources[i]?.length)
      expect(sha256(got.bytes)).toBe(sha256(sources[i] as Buffer))
      expect(got.reads).toBeGreaterThan(10)
      expect(got.sameBuffer).toBe(true)
    }
  })

  it('pauses and resumes delivery', async () => {
    const source = pattern(4, 4 * MIB)
    const port = await serve(source)
    const connector = createNetExitConnector()
    const chunks: Buffer[] = []
    let paused = false
    let readsWhilePaused = 0
    let stream: { pause(): void; resume(): void } | undefined
    const done = new Promise<Buffer>((resolve) => {
      void connector
        .connect('127.0.0.1', port, {
          onData(data) {
            if (paused) readsWhilePaused++
            chunks.push(Buffer.from(data))
            if (chunks.length === 3 && stream !== undefined) {
              paused = true
              stream.pause()
              setTimeout(() => {
                paused = false
                stream?.resume()
              }, 100)
            }
          },
          onClose: () => resolve(Buffer.concat(chunks)),
          onDrain: () => undefined,
        })
        .then((r) => {
          if (r.ok) stream = r.stream
        })
    })
    const got = await done
    expect(readsWhilePaused).toBe(0)
    expect(sha256(got)).toBe(sha256(source))
  })

  it('reports a refused connection', async () => {
    const port = await serve(Buffer.alloc(0))
    const server = servers.pop() as Server
    await new Promise<void>((r) => server.close(() => r()))
    const result = await createNetExitConnector().connect('127.0.0.1', port, {
      onData: () => undefined,
      onClose: () => undefined,
      onDrain: () => undefined,
    })
    expect(result).toEqual({ ok: false, reason: 'refused' })
  })
})
