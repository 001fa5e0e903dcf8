import { describe, expect, it } from 'vitest'
import { createHarness } from '../test/harness.ts'
import type { TunnelErrorCode } from './errors.ts'

describe('tunnel node', () => {
  it('builds a 3-hop circuit and echoes a stream through it', async () => {
    const h = createHarness(2)
    const circuit = await h.client.buildCircuit(3)
    expect(circuit.path).toHaveLength(3)
    expect(circuit.path[2]).toBe('x1')
    const got: Uint8Array[] = []
    let ended: TunnelErrorCode | undefined | 'open' = 'open'
    const stream = await circuit.openStream('echo.test', 80, {
      onData: (d) => got.push(d),
      onEnd: (c) => (ended = c),
      onDrain: () => undefined,
    })
    const payload = new Uint8Array(100_000).map((_, i) => i % 251)
    stream.write(payload)
    await h.settle()
    expect(Buffer.concat(got).equals(Buffer.from(payload))).toBe(true)
    stream.end()
    await h.settle()
    expect(ended).toBeUndefined()
    expect(h.connector.connects).toEqual(['10.9.0.1:80'])
    const infos = h.client.circuits()
    expect(infos[0]?.payloadBytesDown).toBe(100_000n)
    h.stop()
  })
})
