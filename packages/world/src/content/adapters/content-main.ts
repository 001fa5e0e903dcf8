/**
 * Entry point of the content server process the world starts inside the content network's namespace
 * (`nsenter --net=… node content-main.ts <host> <httpPort> <udpPort>`): prints one JSON line
 * `{"event":"ready","url":…,"udpPort":…}` once both services listen, and stops on SIGTERM/SIGINT.
 */
import { startContentServer } from './content-server.ts'

const [host, httpPort, udpPort] = process.argv.slice(2)
if (host === undefined || httpPort === undefined || udpPort === undefined) {
  process.stderr.write('usage: content-main.ts <host> <httpPort> <udpPort>\n')
  process.exit(2)
}
const server = await startContentServer({ host, httpPort: Number(httpPort), udpPort: Number(udpPort) })
process.stdout.write(`${JSON.stringify({ event: 'ready', url: server.url, udpPort: server.udpPort })}\n`)
const stop = (): void => {
  void server.stop().then(() => process.exit(0))
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
