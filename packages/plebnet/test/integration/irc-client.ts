import { connect, type Socket } from 'node:net'
import { realSleep } from '@dolly/base'

/** The family channel the bot tests use (the config's default). */
export const CHANNEL = '#plebnet123'

/** A raw IRC client for the test: registers, joins, and keeps every line it reads. */
export class Client {
  readonly lines: string[] = []
  private buffer = ''
  private readonly socket: Socket
  readonly nick: string
  private constructor(socket: Socket, nick: string) {
    this.socket = socket
    this.nick = nick
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      this.buffer += chunk
      let nl = this.buffer.indexOf('\r\n')
      while (nl >= 0) {
        const line = this.buffer.slice(0, nl)
        this.buffer = this.buffer.slice(nl + 2)
        if (line.startsWith('PING ')) socket.write(`PONG ${line.slice(5)}\r\n`)
        this.lines.push(line)
        nl = this.buffer.indexOf('\r\n')
      }
    })
    socket.on('error', () => undefined)
  }

  static async open(port: number, nick: string, join = true): Promise<Client> {
    const socket = connect({ host: '127.0.0.1', port })
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve)
      socket.once('error', reject)
    })
    const client = new Client(socket, nick)
    client.send(`NICK ${nick}`)
    client.send(`USER ${nick} 0 * :test client`)
    await client.waitFor((l) => / (376|422) /.test(l), 10_000)
    if (join) {
      client.send(`JOIN ${CHANNEL}`)
      await client.waitFor((l) => l.includes(` 366 ${nick} `), 10_000)
    }
    return client
  }

  send(line: string): void {
    this.socket.write(`${line}\r\n`)
  }

  /** Waits for a line after index `from` matching `test`; returns it. */
  async waitFor(test: (line: string) => boolean, timeoutMs: number, from = 0): Promise<string> {
    for (let waited = 0; waited <= timeoutMs; waited += 25) {
      const found = this.lines.slice(from).find(test)
      if (found !== undefined) return found
      await realSleep(25)
    }
    throw new Error(`no matching line in ${timeoutMs} ms; last lines:\n${this.lines.slice(-10).join('\n')}`)
  }

  /** Texts the nick `from` said in the channel, in order. */
  said(from: string, after = 0): string[] {
    const prefix = new RegExp(`^:${from}![^ ]+ PRIVMSG ${CHANNEL} :`)
    return this.lines
      .slice(after)
      .filter((l) => prefix.test(l))
      .map((l) => l.replace(prefix, ''))
  }

  close(): void {
    this.socket.destroy()
  }
}
