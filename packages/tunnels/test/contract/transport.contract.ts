import { expect, it } from 'vitest'
import { MAX_FRAME_BYTES } from '../../src/constants.ts'
import type { Transport } from '../../src/ports.ts'

/** Two connected endpoints of one transport implementation, and how to tear them down. */
export interface TransportPair {
  readonly a: Transport
  readonly b: Transport
  stop(): Promise<void>
}

/** Waits (real turns of the event loop, bounded) until `done()` holds. */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !done(); i++) await new Promise((r) => setImmediate(r))
}

/**
 * What every Transport adapter must do for the tunnel node (ports.ts): in-order, byte-exact delivery
 * per pair with the sender's peer id, frames up to MAX_FRAME_BYTES, copies not views of the sender's
 * buffer, and `false` for a peer it cannot reach.
 */
export function transportContract(name: string, setup: () => Promise<TransportPair>): void {
  it(`${name}: delivers frames in order, byte-exact, with the sender's peer id`, async () => {
    const { a, b, stop } = await setup()
    const got: [string, string][] = []
    b.onFrame((from, frame) => got.push([from, Buffer.from(frame).toString('hex')]))
    const sent = Array.from({ length: 200 }, (_, i) => Buffer.alloc(1 + ((i * 97) % 3000), i & 0xff))
    for (const f of sent) expect(a.send(b.peerId, f)).toBe(true)
    await until(() => got.length === sent.length)
    expect(got).toEqual(sent.map((f) => [a.peerId, f.toString('hex')]))
    await stop()
  })

  it(`${name}: carries a frame of MAX_FRAME_BYTES both ways`, async () => {
    const { a, b, stop } = await setup()
    const big = Buffer.alloc(MAX_FRAME_BYTES, 0xab)
    const atA: Uint8Array[] = []
    const atB: Uint8Array[] = []
    a.onFrame((_f, frame) => atA.push(frame))
    b.onFrame((_f, frame) => atB.push(frame))
    a.send(b.peerId, big)
    b.send(a.peerId, big)
    await until(() => atA.length === 1 && atB.length === 1)
    expect(Buffer.from(atA[0] ?? []).equals(big) && Buffer.from(atB[0] ?? []).equals(big)).toBe(true)
    await stop()
  })

  it(`${name}: does not let the sender change a frame after send`, async () => {
    const { a, b, stop } = await setup()
    const got: Uint8Array[] = []
    b.onFrame((_f, frame) => got.push(frame))
    const buf = Buffer.from('original')
    a.send(b.peerId, buf)
    buf.write('changed!')
    await until(() => got.length === 1)
    expect(Buffer.from(got[0] ?? []).toString()).toBe('original')
    await stop()
  })

  it(`${name}: refuses a peer it cannot reach`, async () => {
    const { a, stop } = await setup()
    expect(a.send('nobody-knows-me', Buffer.from('x'))).toBe(false)
    await stop()
  })
}
