/**
 * A small SOCKS5 UDP client (RFC 1928 §4 UDP ASSOCIATE, §7 datagram header) for the world tunnels
 * test: run inside a user host's network namespace, it asks the proxy on 127.0.0.1:<port> for a UDP
 * association, sends `count` datagrams of random bytes (sizes cycling through SIZES) to an echo
 * service `<host>:<echoPort>`, one at a time, and checks each reply byte for byte: the header names the
 * echo service as source and the payload is exactly what was sent. A datagram without a reply within
 * REPLY_TIMEOUT_MS is sent again, at most RETRIES times (UDP may lose one; it never corrupts one).
 * Prints one JSON line: `{"sent":n,"echoed":n,"exact":n,"resent":n,"late":n,"problems":[…]}`; exit status 0.
 *
 * Usage: node socks5-udp-echo.ts <socks port> <echo ip> <echo port> <count>
 */
import { randomBytes } from 'node:crypto'
import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { connect, type Socket } from 'node:net'

const SIZES = [1, 17, 512, 1200, 1400, 4096, 8192]
const REPLY_TIMEOUT_MS = 5_000
const RETRIES = 3
const HANDSHAKE_TIMEOUT_MS = 10_000

const [portText = '', echoIp = '', echoPortText = '', countText = ''] = process.argv.slice(2)
const socksPort = Number(portText)
const echoPort = Number(echoPortText)
const count = Number(countText)
if (![socksPort, echoPort, count].every((n) => Number.isInteger(n) && n > 0) || !/^[0-9.]+$/.test(echoIp)) {
  process.stderr.write('usage: socks5-udp-echo.ts <socks port> <echo ip> <echo port> <count>\n')
  process.exit(2)
}

/** The control connection's bytes, read in exact amounts (one listener for the socket's whole life). */
function controlReader(socket: Socket): (n: number) => Promise<Buffer> {
  let buf = Buffer.alloc(0)
  let closed = false
  let wake: (() => void) | undefined
  socket.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk])
    wake?.()
  })
  socket.once('close', () => {
    closed = true
    wake?.()
  })
  return async (n) => {
    const deadline = Date.now() + HANDSHAKE_TIMEOUT_MS
    while (buf.length < n) {
      if (closed) throw new Error('SOCKS control connection closed')
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`SOCKS handshake: no ${n} bytes in time`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        wake = () => {
          clearTimeout(timer)
          wake = undefined
          resolve()
        }
      })
    }
    const out = buf.subarray(0, n)
    buf = buf.subarray(n)
    return out
  }
}

/** IPv4 dotted quad to 4 bytes. */
function ipv4Bytes(ip: string): Buffer {
  return Buffer.from(ip.split('.').map(Number))
}

/** Opens the association: greeting (no auth), UDP ASSOCIATE from our UDP socket; returns the relay's port. */
async function associate(control: Socket, udp: UdpSocket): Promise<{ host: string; port: number }> {
  const readBytes = controlReader(control)
  control.write(Buffer.from([5, 1, 0]))
  const method = await readBytes(2)
  if (method[0] !== 5 || method[1] !== 0) throw new Error(`SOCKS greeting refused: ${method.toString('hex')}`)
  const local = udp.address()
  const request = Buffer.concat([Buffer.from([5, 3, 0, 1]), ipv4Bytes(local.address), Buffer.alloc(2)])
  request.writeUInt16BE(local.port, 8)
  control.write(request)
  const head = await readBytes(4)
  if (head[1] !== 0) throw new Error(`UDP ASSOCIATE refused with reply 0x${(head[1] ?? 0).toString(16)}`)
  if (head[3] !== 1) throw new Error(`UDP ASSOCIATE bound to a non-IPv4 address type ${head[3] ?? '?'}`)
  const addr = await readBytes(6)
  const host = [...addr.subarray(0, 4)].join('.')
  return { host: host === '0.0.0.0' ? '127.0.0.1' : host, port: addr.readUInt16BE(4) }
}

/** A SOCKS UDP request datagram to the echo service (IPv4 address type). */
function frame(payload: Buffer): Buffer {
  const header = Buffer.concat([Buffer.from([0, 0, 0, 1]), ipv4Bytes(echoIp), Buffer.alloc(2)])
  header.writeUInt16BE(echoPort, 8)
  return Buffer.concat([header, payload])
}

async function main(): Promise<void> {
  const udp = createSocket('udp4')
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve))
  const control = connect(socksPort, '127.0.0.1')
  await new Promise<void>((resolve, reject) => {
    control.once('connect', resolve)
    control.once('error', reject)
  })
  control.on('error', () => undefined)
  const relay = await associate(control, udp)
  const problems: string[] = []
  const header = frame(Buffer.alloc(0))
  let echoed = 0
  let exact = 0
  let resent = 0
  let late = 0
  let previous: Buffer | undefined
  let waiting: ((reply: Buffer) => void) | undefined
  udp.on('message', (msg) => {
    // The echo of an earlier datagram that was sent twice (its first reply was only slow) is no answer.
    if (previous !== undefined && msg.equals(frame(previous))) late++
    else waiting?.(msg)
  })
  for (let i = 0; i < count; i++) {
    const payload = randomBytes(SIZES[i % SIZES.length] ?? 1)
    let reply: Buffer | undefined
    for (let attempt = 0; attempt <= RETRIES && reply === undefined; attempt++) {
      if (attempt > 0) resent++
      reply = await new Promise<Buffer | undefined>((resolve) => {
        const timer = setTimeout(() => {
          waiting = undefined
          resolve(undefined)
        }, REPLY_TIMEOUT_MS)
        waiting = (msg) => {
          clearTimeout(timer)
          waiting = undefined
          resolve(msg)
        }
        udp.send(frame(payload), relay.port, relay.host)
      })
    }
    previous = payload
    if (reply === undefined) {
      problems.push(`datagram ${i} (${payload.length} bytes): no reply after ${RETRIES + 1} sends`)
      continue
    }
    echoed++
    const got = reply.subarray(0, header.length)
    const body = reply.subarray(header.length)
    if (!got.equals(header))
      problems.push(`datagram ${i}: reply header ${got.toString('hex')}, not the echo service's`)
    else if (!body.equals(payload))
      problems.push(`datagram ${i}: ${body.length} bytes came back for ${payload.length}, not the same bytes`)
    else exact++
  }
  udp.close()
  control.destroy()
  process.stdout.write(`${JSON.stringify({ sent: count, echoed, exact, resent, late, problems })}\n`)
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`)
  process.exit(1)
})
