/**
 * The fuzz suite of the tunnel parsers of untrusted bytes (issue 16, "bad input"): link frames,
 * hop messages, onion layers (every mutant of a sealed layer must be refused: an accepted one is a
 * forgery), SOCKS5 requests and UDP headers, IP literals. ≥ 100,000 cases per surface, seeded
 * (DOLLY_FUZZ_SEED), scalable (DOLLY_FUZZ_RUNS); fails on any crash, accepted-invalid or refused valid
 * input. Frames and messages are canonical: whatever decodes must re-encode to the same bytes.
 */
import { createSeededRng } from '@dolly/base'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  anyBytes,
  anyText,
  entry,
  formatReports,
  fuzzSettings,
  isClean,
  mutateBytes,
  throwing,
  type FuzzCase,
  type FuzzReport,
  type Surface,
  type SurfaceEntry,
} from '../../../base/test/support/fuzz-harness.ts'
import { decodeFrame, encodeFrame, type Frame } from '../../src/cells.ts'
import {
  answerHandshake,
  generateX25519KeyPair,
  hopLayers,
  initiatorLayers,
  startHandshake,
} from '../../src/crypto.ts'
import { formatIp, parseIp } from '../../src/ip.ts'
import { decodeMessage, encodeMessage, type Message } from '../../src/messages.ts'
import { parseRequest, parseUdpDatagram } from '../../src/socks5.ts'

const settings = fuzzSettings(process.env)
const POOL = 24
const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b))

/** Valid encodings, their mutants (any), and arbitrary bytes (any). */
function byteCases(valid: readonly Uint8Array[]): fc.Arbitrary<FuzzCase<Uint8Array>> {
  const pick = fc.constantFrom(...valid)
  return fc.oneof(
    { weight: 2, arbitrary: pick.map((input) => ({ input, expect: 'valid' as const, label: 'valid' })) },
    {
      weight: 6,
      arbitrary: pick
        .chain((v) => mutateBytes(v))
        .map((m) => ({ input: m.value, expect: 'any' as const, label: m.label })),
    },
    {
      weight: 2,
      arbitrary: anyBytes.map((input) => ({ input, expect: 'any' as const, label: 'arbitrary' })),
    },
  )
}

const rng = createSeededRng('tunnels-fuzz')
const body = (): Uint8Array => rng.bytes(64)

function linkFrames(): Surface<Uint8Array> {
  const frames: Frame[] = [
    { kind: 'create', circuitId: 1, body: body() },
    { kind: 'created', circuitId: 0xffff_ffff, body: body() },
    { kind: 'relay-fwd', circuitId: 77, onion: rng.bytes(25) },
    { kind: 'relay-bwd', circuitId: 78, onion: rng.bytes(300) },
    { kind: 'destroy-fwd', circuitId: 9, reason: 'TUNNEL_CELL_REPLAYED' },
    { kind: 'destroy-bwd', circuitId: 10, reason: 'TUNNEL_CIRCUIT_LIMIT' },
    { kind: 'destroy-bwd', circuitId: 11, reason: 'TUNNEL_LINK_TIMEOUT' },
    { kind: 'probe', circuitId: 12 },
    { kind: 'probe-ack', circuitId: 0xffff_fffe },
  ]
  return {
    name: 'link frame',
    cases: byteCases(frames.map(encodeFrame)),
    parse: throwing(decodeFrame),
    canonical: true,
    roundTrip: (input, value) =>
      same(encodeFrame(value as Frame), input) ? undefined : 'frame re-encodes differently',
  }
}

function hopMessages(): Surface<Uint8Array> {
  const messages: Message[] = [
    { kind: 'extend', peerId: '12D3KooWexample', create: body() },
    { kind: 'extended', created: body() },
    { kind: 'begin', streamId: 1, host: 'example.org', port: 443 },
    { kind: 'begin', streamId: 9, host: '2001:db8::1', port: 80 },
    { kind: 'connected', streamId: 2 },
    { kind: 'data', streamId: 3, data: rng.bytes(200) },
    { kind: 'end', streamId: 4, reason: 'policy' },
    { kind: 'sendme', streamId: 5 },
    { kind: 'keepalive' },
    { kind: 'datagram', host: '10.0.0.1', port: 6881, data: rng.bytes(100) },
  ]
  return {
    name: 'hop message',
    cases: byteCases(messages.map(encodeMessage)),
    parse: throwing(decodeMessage),
    canonical: true,
    roundTrip: (input, value) =>
      same(encodeMessage(value as Message), input) ? undefined : 'message re-encodes differently',
  }
}

/** Sealed layers of one hop; a mutant that still opens would be a forgery, so mutants expect `invalid`. */
function onionLayers(): Surface<Uint8Array> {
  const hop = generateX25519KeyPair(rng)
  const hs = startHandshake(rng, 'hop', hop.publicKey)
  const answer = answerHandshake(rng, 'hop', hop, hs.create)
  // Every sealed layer uses counter 0 of a fresh sealer so that a fresh opener accepts the original.
  const originals = Array.from({ length: POOL }, (_, i) => {
    const fresh = initiatorLayers(hs.finish(answer.created), 0)
    return fresh.forward.seal((i % 2) as 0 | 1, rng.bytes(i * 7))
  })
  const pick = fc.constantFrom(...originals)
  return {
    name: 'onion layer',
    cases: fc.oneof(
      { weight: 1, arbitrary: pick.map((input) => ({ input, expect: 'valid' as const, label: 'valid' })) },
      {
        weight: 8,
        arbitrary: pick
          .chain((v) => mutateBytes(v).map((m) => ({ m, v })))
          .map(({ m, v }) => ({
            input: m.value,
            expect: same(m.value, v) ? ('valid' as const) : ('invalid' as const),
            label: m.label,
          })),
      },
      {
        weight: 1,
        arbitrary: anyBytes.map((input) => ({ input, expect: 'invalid' as const, label: 'arbitrary' })),
      },
    ),
    parse: throwing((layer: Uint8Array) => hopLayers(answer.keys, 0).forward.open(layer)),
  }
}

function socksRequests(): Surface<Uint8Array> {
  const valid = [
    '05010001 7f000001 0050',
    `05010003 0b ${Buffer.from('example.org').toString('hex')} 01bb`,
    '05010004 00000000000000000000000000000001 0050',
    '05030001 00000000 0000',
  ].map((h) => Buffer.from(h.replace(/\s/g, ''), 'hex'))
  return {
    name: 'SOCKS5 request',
    cases: byteCases(valid),
    parse: throwing((b: Uint8Array) => {
      const r = parseRequest(b)
      if (r.done && r.consumed > b.length) throw new Error(`consumed ${r.consumed} of ${b.length} bytes`)
      return r
    }),
  }
}

function socksDatagrams(): Surface<Uint8Array> {
  const valid = [
    '000000 01 0a000001 0035 abcd',
    `000000 03 08 ${Buffer.from('dht.test').toString('hex')} 1ae1 00`,
  ].map((h) => Buffer.from(h.replace(/\s/g, ''), 'hex'))
  return { name: 'SOCKS5 UDP header', cases: byteCases(valid), parse: throwing(parseUdpDatagram) }
}

function ipLiterals(): Surface<string> {
  const valid = ['1.2.3.4', '255.255.255.255', '::1', '2001:db8::1:0:0:1', 'fe80::1', '::ffff:1.2.3.4', '1::']
  return {
    name: 'IP literal',
    cases: fc.oneof(
      fc.constantFrom(...valid).map((input) => ({ input, expect: 'valid' as const, label: 'valid' })),
      fc
        .tuple(
          fc.constantFrom(...valid),
          fc.nat({ max: 40 }),
          fc.constantFrom('0', ':', '.', '%', '1', 'f', ' ', '::'),
        )
        .map(([v, at, ch]) => ({
          input: v.slice(0, at) + ch + v.slice(at),
          expect: 'any' as const,
          label: 'insert',
        })),
      anyText.map((input) => ({ input, expect: 'any' as const, label: 'arbitrary' })),
    ),
    parse: (text) => {
      const ip = parseIp(text)
      return ip === undefined ? { ok: false, code: 'NOT_AN_IP' } : { ok: true, value: ip }
    },
    canonical: true,
    // Accepted text need not be canonical, but its canonical form must parse back to the same address.
    roundTrip: (_input, value) => {
      const ip = value as NonNullable<ReturnType<typeof parseIp>>
      const back = parseIp(formatIp(ip))
      return back !== undefined && back.family === ip.family && same(back.bytes, ip.bytes)
        ? undefined
        : `${formatIp(ip)} does not parse back`
    },
  }
}

const surfaces: SurfaceEntry[] = [
  entry(linkFrames),
  entry(hopMessages),
  entry(onionLayers),
  entry(socksRequests),
  entry(socksDatagrams),
  entry(ipLiterals),
]

describe(`tunnels fuzz suite (seed ${settings.seed}, ${settings.runs} cases per surface)`, () => {
  const reports: FuzzReport[] = []
  for (const surface of surfaces) {
    it(`${surface.name}: no crash, no accepted-invalid, every valid input accepted`, async () => {
      const runs = Math.max(1, Math.round(settings.runs * surface.share))
      const report = await surface.run({ ...settings, runs })
      reports.push(report)
      expect(report.cases).toBe(runs)
      expect(isClean(report), formatReports([report])).toBe(true)
    })
  }
  it('prints the table', () => {
    console.log(`\ntunnels fuzz, seed ${settings.seed}\n${formatReports(reports)}`)
    expect(reports.length).toBe(surfaces.length)
  })
})
