import { createServer, type Server, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createElectrumChain, createElectrumClient } from '@dolly/wallet'
import { loadElectrumSession, recordedReply } from '../support/recorded-electrum.ts'

const TXID = '7cb8d148b3eb2721846f6b79a6717a26d11e466a0e944ec77ffed582a5431de1'
const SCRIPT = '0014751e76e8199196d454941c45d1b3a323f1433bd6'

/**
 * A TCP server on a port-0 loopback socket that speaks the recorded session: newline-delimited JSON-RPC,
 * a notification first, and replies split across writes to exercise the client's framing.
 */
async function startRecordedServer(
  dropOn?: string,
): Promise<{ port: number; server: Server; sockets: Set<Socket> }> {
  const session = loadElectrumSession()
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.write(
      `${JSON.stringify({ jsonrpc: '2.0', method: 'blockchain.headers.subscribe', params: [{ height: 1, hex: '00' }] })}\n`,
    )
    let buffer = ''
    socket.on('data', (chunk) => {
      buffer += chunk.toString()
      for (let nl = buffer.indexOf('\n'); nl !== -1; nl = buffer.indexOf('\n')) {
        const request = JSON.parse(buffer.slice(0, nl)) as { id: number; method: string; params: unknown[] }
        buffer = buffer.slice(nl + 1)
        if (request.method === dropOn) {
          socket.destroy()
          return
        }
        const reply = recordedReply(session, request.method, request.params) ?? {
          error: { code: -32601, message: 'unknown method' },
        }
        const line = `${JSON.stringify({ jsonrpc: '2.0', id: request.id, ...reply })}\n`
        const half = Math.floor(line.length / 2)
        socket.write(line.slice(0, half))
        socket.write(line.slice(half))
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return { port: address.port, server, sockets }
}

describe('electrum client over TCP (recorded session)', () => {
  const cleanups: (() => Promise<void>)[] = []
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c()
  })

  async function setup(dropOn?: string) {
    const s = await startRecordedServer(dropOn)
    const client = createElectrumClient({ host: '127.0.0.1', port: s.port, tls: false, timeoutMs: 5_000 })
    cleanups.push(async () => {
      client.close()
      for (const sock of s.sockets) sock.destroy()
      await new Promise<void>((resolve) => s.server.close(() => resolve()))
    })
    return { ...s, client, chain: createElectrumChain({ transport: client }) }
  }

  it('negotiates, ignores notifications, reassembles split frames and answers the chain calls', async () => {
    const { chain } = await setup()
    expect(await chain.tipHeight()).toBe(2_583_405)
    expect(await chain.listUnspent([SCRIPT])).toMatchObject([{ txid: TXID, valueSats: 50_000n }])
    expect(await chain.getTransaction(TXID)).toMatchObject({ confirmations: 6 })
    expect(await chain.estimateFee(6)).toEqual({
      feeRateSatPerKvb: 68_285n,
      minRelayFeeRateSatPerKvb: 1_000n,
    })
  })

  it('reconnects on the next call after the server drops the connection', async () => {
    const { chain, sockets } = await setup()
    expect(await chain.tipHeight()).toBe(2_583_405)
    const closed = [...sockets].map((s) => new Promise((resolve) => s.once('close', resolve)))
    for (const s of sockets) s.destroy()
    await Promise.all(closed)
    // Give the client's socket its 'close' event (real I/O, so a real short wait).
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(await chain.tipHeight()).toBe(2_583_405)
    expect(sockets.size).toBe(1)
  })

  it('fails a broadcast whose reply is lost with WALLET_BACKEND_DOWN (outcome unknown, never "rejected")', async () => {
    const { chain } = await setup('blockchain.transaction.broadcast')
    await expect(chain.broadcast('00')).rejects.toMatchObject({ code: 'WALLET_BACKEND_DOWN' })
  })

  it('reports a refused connection as WALLET_BACKEND_DOWN', async () => {
    const { port, server } = await startRecordedServer()
    await new Promise<void>((resolve) => server.close(() => resolve()))
    const client = createElectrumClient({ host: '127.0.0.1', port, tls: false, timeoutMs: 2_000 })
    await expect(createElectrumChain({ transport: client }).tipHeight()).rejects.toMatchObject({
      code: 'WALLET_BACKEND_DOWN',
    })
    client.close()
  })
})
