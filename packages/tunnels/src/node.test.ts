import { createSeededRng, errorCode } from '@dolly/base'
import { describe, expect, it } from 'vitest'
import { createHarness, type Harness } from '../test/harness.ts'
import { decodeFrame, encodeFrame, type Frame } from './cells.ts'
import { createCircuitPool } from './circuit-pool.ts'
import { startHandshake } from './crypto.ts'
import { MAX_STREAM_CHUNK_BYTES, STREAM_WINDOW_BYTES } from './constants.ts'
import type { TunnelErrorCode } from './errors.ts'
import type { ExitStream, ExitStreamHandlers } from './ports.ts'
import type { TunnelCircuit, TunnelStream } from './types.ts'

const RELAY_FWD = 3
const RELAY_BWD = 4

/** Opens an echo stream and collects what comes back. */
async function echoStream(circuit: TunnelCircuit): Promise<{
  stream: TunnelStream
  received: () => Buffer
  ended: () => TunnelErrorCode | undefined | 'open'
}> {
  const got: Uint8Array[] = []
  let ended: TunnelErrorCode | undefined | 'open' = 'open'
  const stream = await circuit.openStream('echo.test', 80, {
    onData: (d) => got.push(Uint8Array.from(d)),
    onEnd: (c) => (ended = c),
    onDrain: () => undefined,
  })
  return { stream, received: () => Buffer.concat(got), ended: () => ended }
}

const pattern = (n: number): Buffer =>
  Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + (i >> 8)) & 0xff))

/** Runs one misbehaving-link scenario: 10 cells out, echoed back, one frame on `from → to` of `type` interfered with. */
async function misbehave(
  interfere: (frame: Uint8Array, hold: { frame?: Uint8Array }) => readonly Uint8Array[],
  link: (path: readonly string[]) => [string, string],
  type: number,
  nth = 3,
): Promise<{
  reason: TunnelErrorCode | undefined
  received: Buffer
  sent: Buffer
  ended: TunnelErrorCode | undefined | 'open'
  h: Harness
}> {
  const h = createHarness(2)
  const circuit = await h.client.buildCircuit(3)
  let reason: TunnelErrorCode | undefined
  circuit.onClose((r) => (reason = r))
  const echo = await echoStream(circuit)
  const [from, to] = link(circuit.path)
  let seen = 0
  const hold: { frame?: Uint8Array } = {}
  h.net.intercept((f, t, frame) => {
    if (f !== from || t !== to || frame[4] !== type) return [frame]
    seen++
    return seen === nth
      ? interfere(frame, hold)
      : hold.frame !== undefined && seen === nth + 1
        ? [frame, hold.frame]
        : [frame]
  })
  const sent = pattern(10 * 16 * 1024)
  for (let i = 0; i < 10; i++) echo.stream.write(sent.subarray(i * 16384, (i + 1) * 16384))
  await h.settle()
  return { reason, received: echo.received(), sent, ended: echo.ended(), h }
}

const flipBit = (frame: Uint8Array): readonly Uint8Array[] => {
  const copy = Uint8Array.from(frame)
  copy[40] = (copy[40] ?? 0) ^ 0x10
  return [copy]
}

describe('tunnel node: circuits and streams', () => {
  it('builds a 3-hop circuit, echoes a stream through it and counts bytes at every hop', async () => {
    const h = createHarness(2)
    const circuit = await h.client.buildCircuit(3)
    expect(circuit.path).toHaveLength(3)
    expect(circuit.path[2]).toBe('x1')
    const echo = await echoStream(circuit)
    const payload = pattern(100_000)
    echo.stream.write(payload)
    await h.settle()
    expect(echo.received().equals(payload)).toBe(true)
    echo.stream.end()
    await h.settle()
    expect(echo.ended()).toBeUndefined()
    expect(h.connector.connects).toEqual(['10.9.0.1:80'])
    const mine = h.client.circuits()
    expect(mine).toHaveLength(1)
    expect(mine[0]?.payloadBytesDown).toBe(100_000n)
    expect(mine[0]?.payloadBytesUp).toBe(100_000n)
    const exitInfo = h.exit.circuits()[0]
    expect(exitInfo?.role).toBe('exit')
    expect(exitInfo?.exitBytesOut).toBe(100_000n)
    expect(exitInfo?.exitBytesIn).toBe(100_000n)
    expect(exitInfo?.previousPeer).toBe(circuit.path[1])
    expect(exitInfo?.nextPeer).toBeUndefined()
    // A relay knows only its neighbours.
    const middle = [...h.relays].find((r) => r.peerId === circuit.path[1])?.circuits()[0]
    expect([middle?.previousPeer, middle?.nextPeer]).toEqual([circuit.path[0], 'x1'])
    expect(middle?.bytesForward).toBeGreaterThan(100_000n)
    h.stop()
  })

  it('builds 1-hop circuits straight to the exit and carries UDP datagrams', async () => {
    const h = createHarness(0)
    const circuit = await h.client.buildCircuit(1)
    expect(circuit.path).toEqual(['x1'])
    const got: [string, number, string][] = []
    circuit.onDatagram((host, port, data) => got.push([host, port, Buffer.from(data).toString('hex')]))
    circuit.sendDatagram('10.9.0.7', 5353, Buffer.from('0102', 'hex'))
    circuit.sendDatagram('8.8.8.8', 53, Buffer.from('03', 'hex'))
    await h.settle()
    expect(got).toEqual([['10.9.0.7', 5353, '0102']])
    // Only addresses the circuit sent to may answer through the exit.
    h.connector.inject('10.9.0.99', 5353, Buffer.from('ff', 'hex'))
    h.connector.inject('10.9.0.7', 5354, Buffer.from('ff', 'hex'))
    h.connector.inject('10.9.0.7', 5353, Buffer.from('04', 'hex'))
    await h.settle()
    expect(got).toEqual([
      ['10.9.0.7', 5353, '0102'],
      ['10.9.0.7', 5353, '04'],
    ])
    h.stop()
  })

  it('refuses streams the exit policy forbids, and names that do not resolve, with codes', async () => {
    const h = createHarness(1)
    const circuit = await h.client.buildCircuit(2)
    const handlers = { onData: () => undefined, onEnd: () => undefined, onDrain: () => undefined }
    await expect(circuit.openStream('8.8.8.8', 80, handlers)).rejects.toMatchObject({
      code: 'TUNNEL_EXIT_POLICY',
    })
    await expect(circuit.openStream('nowhere.test', 80, handlers)).rejects.toMatchObject({
      code: 'TUNNEL_DNS_FAILED',
    })
    expect(h.connector.connects).toEqual([])
    expect(circuit.isOpen()).toBe(true)
    h.stop()
  })

  it('fails with TUNNEL_NO_PATH when there are not enough relays', async () => {
    const h = createHarness(1)
    await expect(h.client.buildCircuit(3)).rejects.toMatchObject({ code: 'TUNNEL_NO_PATH' })
    await expect(h.client.buildCircuit(4)).rejects.toMatchObject({ code: 'TUNNEL_NO_PATH' })
    h.stop()
  })
})

describe('tunnel node: a misbehaving hop fails the circuit closed', () => {
  const forwardMiddle = (p: readonly string[]): [string, string] => [p[0] ?? '', p[1] ?? '']
  const backwardFromExit = (p: readonly string[]): [string, string] => [p[2] ?? '', p[1] ?? '']
  const backwardMiddle = (p: readonly string[]): [string, string] => [p[1] ?? '', p[0] ?? '']

  const check = (r: Awaited<ReturnType<typeof misbehave>>, code: TunnelErrorCode): void => {
    expect(r.reason).toBe(code)
    expect(r.ended).toBe(code)
    // Nothing corrupted is delivered: what arrived is an exact prefix of the echo.
    expect(r.received.length).toBeLessThan(r.sent.length)
    expect(r.received.equals(r.sent.subarray(0, r.received.length))).toBe(true)
    // Every hop let go of the circuit and the exit closed its connection.
    expect([r.h.client, ...r.h.relays, r.h.exit].flatMap((n) => n.circuits())).toEqual([])
    expect(r.h.connector.open.size).toBe(0)
    r.h.stop()
  }

  it('a flipped bit on the way out: TUNNEL_CELL_AUTH_FAILED', async () => {
    check(await misbehave(flipBit, forwardMiddle, RELAY_FWD), 'TUNNEL_CELL_AUTH_FAILED')
  })

  it('a flipped bit on the way back: TUNNEL_CELL_AUTH_FAILED', async () => {
    check(await misbehave(flipBit, backwardMiddle, RELAY_BWD), 'TUNNEL_CELL_AUTH_FAILED')
  })

  it('a dropped cell: TUNNEL_CELL_OUT_OF_ORDER', async () => {
    check(await misbehave(() => [], backwardFromExit, RELAY_BWD), 'TUNNEL_CELL_OUT_OF_ORDER')
  })

  it('a replayed cell: TUNNEL_CELL_REPLAYED', async () => {
    check(await misbehave((f) => [f, f], forwardMiddle, RELAY_FWD), 'TUNNEL_CELL_REPLAYED')
  })

  it('two reordered cells: TUNNEL_CELL_OUT_OF_ORDER', async () => {
    const r = await misbehave(
      (f, hold) => {
        hold.frame = f
        return []
      },
      backwardFromExit,
      RELAY_BWD,
    )
    check(r, 'TUNNEL_CELL_OUT_OF_ORDER')
  })
})

describe('tunnel node: timeouts on the virtual clock', () => {
  it('abandons a circuit whose exit never answers after the build timeout, at every hop', async () => {
    const h = createHarness(2)
    h.net.intercept((_f, to, frame) => (to === 'x1' ? [] : [frame]))
    const building = h.client.buildCircuit(3)
    const failed = building.catch((err: unknown) => errorCode(err))
    await h.settle()
    expect(h.client.circuits()).toHaveLength(1)
    await h.clock.advance(29_000)
    await h.settle()
    expect(h.client.circuits()).toHaveLength(1)
    await h.clock.advance(2_000)
    await h.settle()
    expect(await failed).toBe('TUNNEL_CIRCUIT_TIMEOUT')
    expect([h.client, ...h.relays, h.exit].flatMap((n) => n.circuits())).toEqual([])
    h.stop()
  })

  it('destroys an idle circuit at every hop after the inactivity timeout', async () => {
    const h = createHarness(2)
    const circuit = await h.client.buildCircuit(3)
    let reason: TunnelErrorCode | undefined
    circuit.onClose((r) => (reason = r))
    await h.clock.advance(59_000)
    await h.settle()
    expect(circuit.isOpen()).toBe(true)
    await h.clock.advance(2_000)
    await h.settle()
    expect(reason).toBe('TUNNEL_CIRCUIT_IDLE')
    expect([h.client, ...h.relays, h.exit].flatMap((n) => n.circuits())).toEqual([])
    h.stop()
  })

  it('destroys a circuit past its byte limit with TUNNEL_BYTE_LIMIT', async () => {
    const h = createHarness(1, { maxCircuitBytes: 60_000n })
    const circuit = await h.client.buildCircuit(2)
    let reason: TunnelErrorCode | undefined
    circuit.onClose((r) => (reason = r))
    const echo = await echoStream(circuit)
    echo.stream.write(pattern(100_000))
    await h.settle()
    expect(reason).toBe('TUNNEL_BYTE_LIMIT')
    expect(echo.ended()).toBe('TUNNEL_BYTE_LIMIT')
    h.stop()
  })
})

describe('tunnel node: bad input and floods', () => {
  it('caps joined circuits under a CREATE flood from fresh keys, answers with codes, and frees them when idle', async () => {
    const h = createHarness(0, { maxJoinedCircuits: 3 })
    const rng = createSeededRng('flood')
    const answers: Frame[] = []
    for (let i = 0; i < 50; i++) {
      const attacker = h.net.transport(`attacker-${i}`)
      attacker.onFrame((_from, bytes) => answers.push(decodeFrame(bytes)))
      const hs = startHandshake(rng, 'x1', h.exit.publicKey)
      attacker.send('x1', encodeFrame({ kind: 'create', circuitId: 1 + i, body: hs.create }))
    }
    await h.settle()
    expect(answers.filter((a) => a.kind === 'created')).toHaveLength(3)
    const refused = answers.filter((a) => a.kind === 'destroy-bwd')
    expect(refused).toHaveLength(47)
    expect(refused.every((a) => a.kind === 'destroy-bwd' && a.reason === 'TUNNEL_CIRCUIT_LIMIT')).toBe(true)
    expect(h.exit.stats().joinedCircuits).toBe(3)
    expect(h.exit.stats().rejected.TUNNEL_CIRCUIT_LIMIT).toBe(47)
    await h.clock.advance(61_000)
    await h.settle()
    expect(h.exit.stats().joinedCircuits).toBe(0)
    // After the flood the exit serves again.
    await expect(h.client.buildCircuit(1)).resolves.toBeDefined()
    h.stop()
  })

  it('drops malformed, oversized and unknown-circuit frames with codes, and keeps working', async () => {
    const h = createHarness(2)
    const rng = createSeededRng('garbage')
    const attacker = h.net.transport('attacker')
    const replies: Uint8Array[] = []
    attacker.onFrame((_f, b) => replies.push(b))
    for (let i = 0; i < 300; i++) attacker.send('r1', rng.bytes(rng.int(64)))
    attacker.send('r1', new Uint8Array(100_000))
    attacker.send('r1', encodeFrame({ kind: 'relay-fwd', circuitId: 77, onion: rng.bytes(200) }))
    attacker.send('r1', encodeFrame({ kind: 'relay-bwd', circuitId: 78, onion: rng.bytes(200) }))
    attacker.send('r1', encodeFrame({ kind: 'destroy-fwd', circuitId: 79, reason: 'TUNNEL_CIRCUIT_CLOSED' }))
    attacker.send('r1', encodeFrame({ kind: 'created', circuitId: 80, body: rng.bytes(64) }))
    attacker.send('r1', encodeFrame({ kind: 'create', circuitId: 81, body: rng.bytes(64) }))
    await h.settle()
    const rejected = h.relays[0]?.stats().rejected ?? {}
    expect(rejected.TUNNEL_CELL_OVERSIZED).toBe(1)
    // A random frame may happen to decode (a DESTROY for an unknown circuit): every frame is counted once.
    expect(rejected.TUNNEL_CIRCUIT_UNKNOWN ?? 0).toBeGreaterThanOrEqual(4)
    expect(rejected.TUNNEL_HANDSHAKE_FAILED).toBe(1)
    expect(rejected.TUNNEL_CELL_MALFORMED ?? 0).toBeGreaterThan(250)
    expect(Object.values(rejected).reduce((a, b) => a + b, 0)).toBe(306)
    // The only answer is the refusal of the CREATE that named a key r1 does not hold.
    expect(replies.map((r) => decodeFrame(r))).toEqual([
      { kind: 'destroy-bwd', circuitId: 81, reason: 'TUNNEL_HANDSHAKE_FAILED' },
    ])
    expect(h.relays[0]?.stats().joinedCircuits).toBe(0)
    const circuit = await h.client.buildCircuit(3)
    const echo = await echoStream(circuit)
    echo.stream.write(Buffer.from('still works'))
    await h.settle()
    expect(echo.received().toString()).toBe('still works')
    h.stop()
  })
})

describe('circuit pool', () => {
  it('keeps circuits warm, sticks a destination to one, and replaces a circuit that dies under a CONNECT', async () => {
    const h = createHarness(4)
    const pool = createCircuitPool({ node: h.client, clock: h.clock }, { warm: { 3: 2 } })
    pool.start()
    await h.settle()
    expect(pool.ready(3)).toBe(2)
    const a = await pool.circuitFor(3, 'echo.test:80')
    expect(await pool.circuitFor(3, 'echo.test:80')).toBe(a)
    expect(await pool.circuitFor(3, 'other.test:80')).not.toBe(a)
    // The next BEGIN on the sticky circuit gets a flipped bit: that circuit dies, the CONNECT must not.
    let armed = true
    h.net.intercept((from, _to, frame) => {
      if (armed && from === 'c1' && frame[4] === RELAY_FWD) {
        armed = false
        return flipBit(frame)
      }
      return [frame]
    })
    const got: Uint8Array[] = []
    const stream = await pool.openStream(3, 'echo.test', 80, {
      onData: (d) => got.push(Uint8Array.from(d)),
      onEnd: () => undefined,
      onDrain: () => undefined,
    })
    expect(a.isOpen()).toBe(false)
    stream.write(Buffer.from('hello'))
    await h.settle()
    expect(Buffer.concat(got).toString()).toBe('hello')
    await h.clock.advance(1_000)
    await h.settle()
    expect(pool.ready(3)).toBeGreaterThanOrEqual(2)
    pool.stop()
    h.stop()
  })
})

describe('tunnel node: lifecycle', () => {
  it('aborts a build on its signal with the signal reason and destroys the half-built circuit', async () => {
    const h = createHarness(2)
    h.net.intercept((_f, to, frame) => (to === 'x1' ? [] : [frame]))
    const abort = new AbortController()
    const building = h.client.buildCircuit(3, { signal: abort.signal }).catch((err: unknown) => err)
    await h.settle()
    abort.abort(new Error('user gave up'))
    expect(((await building) as Error).message).toBe('user gave up')
    await h.settle()
    expect([h.client, ...h.relays, h.exit].flatMap((n) => n.circuits())).toEqual([])
    h.stop()
  })

  it('fails a build whose first hop the transport cannot reach, without leaking it', async () => {
    const h = createHarness(0)
    h.net.remove('x1')
    await expect(h.client.buildCircuit(1)).rejects.toMatchObject({ code: 'TUNNEL_EXTEND_FAILED' })
    expect(h.client.stats().ownCircuits).toBe(0)
    h.stop()
  })

  it('stops idempotently, destroying every circuit with TUNNEL_STOPPED', async () => {
    const h = createHarness(1)
    const circuit = await h.client.buildCircuit(2)
    let reason: TunnelErrorCode | undefined
    circuit.onClose((r) => (reason = r))
    h.exit.stop()
    h.exit.stop()
    await h.settle()
    expect(reason).toBe('TUNNEL_STOPPED')
    await expect(h.exit.buildCircuit(1)).rejects.toMatchObject({ code: 'TUNNEL_STOPPED' })
    h.stop()
  })
})

describe('tunnel node: replay-window mode (datagram transports)', () => {
  it('carries datagrams with reordering inside the window, but refuses byte streams', async () => {
    const h = createHarness(1, { replayWindow: 64 })
    const circuit = await h.client.buildCircuit(2)
    const handlers = { onData: () => undefined, onEnd: () => undefined, onDrain: () => undefined }
    await expect(circuit.openStream('echo.test', 80, handlers)).rejects.toMatchObject({
      code: 'TUNNEL_STREAM_UNORDERED',
    })
    // Swap two backward cells on the exit's link: accepted in window mode, both datagrams arrive.
    let held: Uint8Array | undefined
    h.net.intercept((from, _to, frame) => {
      if (from !== 'x1' || frame[4] !== RELAY_BWD) return [frame]
      if (held === undefined) {
        held = frame
        return []
      }
      return [frame, held]
    })
    const got: string[] = []
    circuit.onDatagram((_h, _p, data) => got.push(Buffer.from(data).toString()))
    circuit.sendDatagram('10.9.0.7', 9, Buffer.from('first'))
    circuit.sendDatagram('10.9.0.7', 9, Buffer.from('second'))
    await h.settle()
    expect(got).toEqual(['second', 'first'])
    expect(circuit.isOpen()).toBe(true)
    h.stop()
  })
})

describe('tunnel node: keep-alive', () => {
  it('keeps a quiet circuit with an open stream alive at every hop, and lets one without streams expire', async () => {
    const h = createHarness(2)
    const busy = await h.client.buildCircuit(3)
    const quiet = await h.client.buildCircuit(3)
    await echoStream(busy)
    let quietReason: TunnelErrorCode | undefined
    quiet.onClose((r) => (quietReason = r))
    for (let i = 0; i < 30; i++) {
      await h.clock.advance(10_000)
      await h.settle()
    }
    expect(busy.isOpen()).toBe(true)
    expect(quietReason).toBe('TUNNEL_CIRCUIT_IDLE')
    expect(h.exit.circuits()).toHaveLength(1)
    h.stop()
  })

  it('keeps a pooled warm circuit without streams while the pool runs (no rebuild), and lets it idle out after stop', async () => {
    const h = createHarness(2)
    const pool = createCircuitPool({ node: h.client, clock: h.clock }, { warm: { 3: 1 } })
    pool.start()
    await h.settle()
    const warm = await pool.circuitFor(3, 'echo.test:80')
    let reason: TunnelErrorCode | undefined
    warm.onClose((r) => (reason = r))
    let closed = 0
    h.client.onCircuitClosed(() => closed++)
    for (let i = 0; i < 30; i++) {
      await h.clock.advance(10_000)
      await h.settle()
    }
    // 300 s, five idle timeouts: still the same circuit, and the exit never joined another.
    expect(warm.isOpen()).toBe(true)
    expect(await pool.circuitFor(3, 'echo.test:80')).toBe(warm)
    expect(closed).toBe(0)
    expect(h.exit.circuits()).toHaveLength(1)
    pool.stop()
    for (let i = 0; i < 8; i++) {
      await h.clock.advance(10_000)
      await h.settle()
    }
    expect(reason).toBe('TUNNEL_CIRCUIT_IDLE')
    h.stop()
  })
})

describe('tunnel node: stream flow control in bytes', () => {
  it('pauses the server at the exit once a window of bytes is unacknowledged, and resumes on SENDMEs', async () => {
    const h = createHarness(2)
    const circuit = await h.client.buildCircuit(3)
    const calls: string[] = []
    let server: ExitStreamHandlers | undefined
    const connect = h.connector.connect.bind(h.connector)
    h.connector.connect = async (ip, port, handlers) => {
      server = handlers
      const r = await connect(ip, port, handlers)
      if (!r.ok) return r
      const stream: ExitStream = {
        ...r.stream,
        pause: () => void calls.push('pause'),
        resume: () => void calls.push('resume'),
      }
      return { ok: true, stream }
    }
    let got = 0
    const stream = await circuit.openStream('echo.test', 80, {
      onData: (d) => (got += d.length),
      onEnd: () => undefined,
      onDrain: () => undefined,
    })
    stream.setReadPaused(true)
    const chunk = new Uint8Array(MAX_STREAM_CHUNK_BYTES).fill(9)
    const cells = STREAM_WINDOW_BYTES / MAX_STREAM_CHUNK_BYTES
    for (let i = 0; i < cells - 1; i++) server?.onData(chunk)
    await h.settle()
    expect(calls).toEqual([])
    // The cell that fills the window pauses the server; the reader withholds its SENDMEs.
    server?.onData(chunk)
    await h.settle()
    expect(calls).toEqual(['pause'])
    expect(got).toBe(STREAM_WINDOW_BYTES)
    // Small reads count by their bytes, not as cells: half a window of 1 KiB chunks is still within it.
    stream.setReadPaused(false)
    await h.settle()
    expect(calls).toEqual(['pause', 'resume'])
    const small = new Uint8Array(1024)
    for (let i = 0; i < STREAM_WINDOW_BYTES / 2 / small.length; i++) server?.onData(small)
    await h.settle()
    expect(calls).toEqual(['pause', 'resume'])
    expect(got).toBe(STREAM_WINDOW_BYTES * 1.5)
    expect(circuit.isOpen()).toBe(true)
    h.stop()
  })
})
