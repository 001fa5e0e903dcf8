import { connect as netConnect, type Socket } from 'node:net'
import { IrcError } from '../errors.ts'
import type { IrcLink } from '../irc-bot.ts'

/** Longest line the link buffers before giving up on the connection (a server never sends one). */
const MAX_BUFFER_BYTES = 16 * 1024
/** How long a TCP connect may take. */
const CONNECT_TIMEOUT_MS = 10_000

/**
 * Opens a plain TCP connection to an IRC server, framed in lines (CR LF or LF out of the server, CR LF
 * into it), UTF-8. Why not a library: §11 defines the bot at the line level (the exact NICK/USER
 * lines, the `433 * <nick>` rule, JOIN on 376/422, word-3 dispatch) and irc-framework does its own
 * registration (CAP LS, another USER form), its own collision handling, PING replies and reconnects
 * on real timers; it would have been fought rather than used. This is the socket and nothing else.
 */
export function connectTcpLink(
  target: { readonly host: string; readonly port: number },
  signal: AbortSignal,
): Promise<IrcLink> {
  return new Promise((resolve, reject) => {
    const where = `${target.host}:${target.port}`
    const fail = (cause: unknown): void =>
      reject(
        new IrcError('IRC_CONNECT_FAILED', `cannot connect to the IRC server ${where}`, { where }, { cause }),
      )
    if (signal.aborted) {
      fail(signal.reason)
      return
    }
    let opened = false
    const socket: Socket = netConnect({ host: target.host, port: target.port })
    socket.setNoDelay(true)
    const timer = setTimeout(
      () => socket.destroy(new Error(`connect timeout after ${CONNECT_TIMEOUT_MS} ms`)),
      CONNECT_TIMEOUT_MS,
    )
    const onAbort = (): void => void socket.destroy()
    signal.addEventListener('abort', onAbort, { once: true })
    const { promise: closed, resolve: markClosed } = Promise.withResolvers<void>()
    let listener: ((line: string) => void) | undefined
    const early: string[] = []
    let buffer = ''
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => {
      buffer += chunk
      let nl = buffer.indexOf('\n')
      while (nl >= 0) {
        const line = buffer.slice(0, nl).replace(/\r$/, '')
        buffer = buffer.slice(nl + 1)
        if (line !== '') {
          if (listener === undefined) early.push(line)
          else listener(line)
        }
        nl = buffer.indexOf('\n')
      }
      if (buffer.length > MAX_BUFFER_BYTES) socket.destroy(new Error('line longer than the buffer'))
    })
    let lastError: unknown
    socket.on('error', (err) => {
      lastError = err
    })
    socket.on('close', () => {
      clearTimeout(timer)
      signal.removeEventListener('abort', onAbort)
      if (!opened) fail(lastError ?? signal.reason)
      markClosed()
    })
    socket.once('connect', () => {
      opened = true
      clearTimeout(timer)
      resolve({
        write(line) {
          if (!socket.destroyed) socket.write(`${line}\r\n`)
        },
        onLine(next) {
          listener = next
          for (const line of early.splice(0)) next(line)
        },
        close() {
          socket.end()
          socket.destroySoon()
          setTimeout(() => socket.destroy(), 2_000).unref()
        },
        closed,
      })
    })
  })
}
