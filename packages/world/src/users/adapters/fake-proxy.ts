/**
 * A test double of `plebnet proxy` for user-driver.test.ts, where no agents exist: a plain SOCKS5
 * CONNECT server (RFC 1928, no authentication, IPv4 and domain-name addresses) on loopback that
 * connects directly, without tunnels or payments. It accepts the real proxy's flags, writes its argv
 * to `<home>/argv.json`, serves 1 and 2 hops on P+1 and P+2 but not 3 hops (so a request over 3 hops
 * fails as with a proxy that found no circuit), and prints the real proxy's ready line.
 * Run: `node fake-proxy.ts [--crash FILE] proxy --home DIR --bootstrap M… --port P --json [--no-pay]`.
 * With `--crash FILE` it SIGKILLs itself 200 ms after its ready line while FILE holds a positive
 * number, counting it down (so `2` crashes the first two runs).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { connect, createServer, type Socket } from 'node:net'
import { join } from 'node:path'

let args = process.argv.slice(2)
let crashFile: string | undefined
if (args[0] === '--crash') {
  crashFile = args[1]
  args = args.slice(2)
}
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : undefined
}
const home = flag('--home')
const base = Number(flag('--port') ?? '1080')
if (home === undefined || args[0] !== 'proxy') {
  process.stderr.write('usage: fake-proxy.ts proxy --home DIR --port P --json\n')
  process.exit(2)
}
writeFileSync(join(home, 'argv.json'), JSON.stringify(args))

/** Reads exactly `n` bytes from `socket`'s buffered stream. */
function reader(socket: Socket): (n: number) => Promise<Buffer> {
  let buffered = Buffer.alloc(0)
  let want: { n: number; resolve: (b: Buffer) => void } | undefined
  const pump = (): void => {
    if (want !== undefined && buffered.length >= want.n) {
      const out = buffered.subarray(0, want.n)
      buffered = buffered.subarray(want.n)
      const w = want
      want = undefined
      w.resolve(out)
    }
  }
  socket.on('data', (b: Buffer) => {
    buffered = Buffer.concat([buffered, b])
    pump()
  })
  return (n) =>
    new Promise((resolve) => {
      want = { n, resolve }
      pump()
    })
}

async function handle(client: Socket): Promise<void> {
  client.on('error', () => client.destroy())
  const read = reader(client)
  const [, nMethods] = await read(2)
  await read(nMethods ?? 0)
  client.write(Buffer.from([5, 0]))
  const head = await read(4)
  let host: string
  if (head[3] === 1) host = [...(await read(4))].join('.')
  else if (head[3] === 3) host = (await read((await read(1))[0] ?? 0)).toString('latin1')
  else {
    client.end(Buffer.from([5, 8, 0, 1, 0, 0, 0, 0, 0, 0]))
    return
  }
  const port = (await read(2)).readUInt16BE(0)
  client.removeAllListeners('data')
  const upstream = connect({ host, port })
  upstream.once('connect', () => {
    client.write(Buffer.from([5, 0, 0, 1, 0, 0, 0, 0, 0, 0]))
    upstream.pipe(client)
    client.pipe(upstream)
  })
  upstream.on('error', () => client.end(Buffer.from([5, 5, 0, 1, 0, 0, 0, 0, 0, 0])))
}

for (const hops of [1, 2]) {
  const server = createServer((s) => void handle(s))
  await new Promise<void>((resolve) => server.listen(base + hops, '127.0.0.1', resolve))
}
process.stdout.write(`{"event":"starting"}\n`)
process.stdout.write(
  `${JSON.stringify({ event: 'ready', ports: { 1: base + 1, 2: base + 2, 3: base + 3 } })}\n`,
)
process.on('SIGTERM', () => process.exit(0))
const crashes = crashFile !== undefined && existsSync(crashFile) ? Number(readFileSync(crashFile, 'utf8')) : 0
if (crashFile !== undefined && crashes > 0) {
  writeFileSync(crashFile, String(crashes - 1))
  setTimeout(() => process.kill(process.pid, 'SIGKILL'), 200)
}
