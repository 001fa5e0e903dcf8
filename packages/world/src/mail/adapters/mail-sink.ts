import { mkdir, readFile, readdir, rm } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { SMTPServer } from 'smtp-server'
import { writeFileAtomic, type Logger } from '@dolly/base'
import { mailRecordOf, type MailRecord } from '../message.ts'

/** The largest message the sink takes (bytes); a postcard is a few kB. */
const MAX_MESSAGE_BYTES = 1_048_576
/** Messages kept; the sink refuses more (452) rather than fill the disk. */
const MAX_MESSAGES = 10_000

/** The mail directory of the world in `worldDir`. */
export function mailDir(worldDir: string): string {
  return join(worldDir, 'mail')
}

/** A running SMTP sink. */
export interface MailSink {
  readonly host: string
  readonly port: number
  /** Closes the listener and its connections; idempotent. */
  stop(): Promise<void>
}

/**
 * Starts the world's SMTP sink (the `smtp-server` package) on `host:port` (0: a free port): it takes
 * every message to any recipient, with or without AUTH (any credentials; no TLS: the world's bridge
 * is private), and writes each as `<dir>/<n>.json` (message.ts `MailRecord`). `dir` is emptied first:
 * a new world starts with an empty mailbox.
 */
export async function startMailSink(options: {
  readonly host: string
  readonly port: number
  readonly dir: string
  readonly log: Logger
  readonly nowMs: () => number
}): Promise<MailSink> {
  const log = options.log.child({ component: 'mail-sink' })
  await rm(options.dir, { recursive: true, force: true })
  await mkdir(options.dir, { recursive: true, mode: 0o700 })
  let count = 0
  const server = new SMTPServer({
    name: 'mail.world',
    banner: 'Dollynator world mail sink',
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    size: MAX_MESSAGE_BYTES,
    logger: false,
    // `down` does not wait for a client that keeps its connection open.
    closeTimeout: 2_000,
    onAuth(auth, _session, callback) {
      callback(null, { user: auth.username ?? 'anonymous' })
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      let bytes = 0
      stream.on('data', (chunk: Buffer) => {
        bytes += chunk.length
        if (bytes <= MAX_MESSAGE_BYTES) chunks.push(chunk)
      })
      stream.on('end', () => {
        if (stream.sizeExceeded === true) {
          callback(Object.assign(new Error('message too large'), { responseCode: 552 }))
          return
        }
        if (count >= MAX_MESSAGES) {
          callback(Object.assign(new Error('mailbox full'), { responseCode: 452 }))
          return
        }
        count += 1
        const record = mailRecordOf(Buffer.concat(chunks).toString('utf8'), {
          id: count,
          receivedAtMs: options.nowMs(),
          envelope: {
            from: session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address,
            to: session.envelope.rcptTo.map((r) => r.address),
          },
        })
        writeFileAtomic(
          join(options.dir, `${String(record.id).padStart(6, '0')}.json`),
          `${JSON.stringify(record, null, 2)}\n`,
          {
            mode: 0o600,
          },
        ).then(
          () => {
            log.info('mail.received', { id: record.id, subject: record.subject, bytes: record.bytes })
            callback()
          },
          (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
        )
      })
    },
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  server.on('error', (err: Error) => log.warn('mail.sink_error', { message: err.message }))
  const { port } = server.server.address() as AddressInfo
  log.info('mail.sink_started', { host: options.host, port })
  let stopping: Promise<void> | undefined
  return {
    host: options.host,
    port,
    stop() {
      stopping ??= new Promise<void>((resolve) => server.close(() => resolve()))
      return stopping
    },
  }
}

/** The messages in `dir`, oldest first (none when it does not exist). */
export async function readMailbox(dir: string): Promise<MailRecord[]> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => /^\d+\.json$/.test(n)).sort()
  const out: MailRecord[] = []
  for (const name of names) {
    try {
      out.push(JSON.parse(await readFile(join(dir, name), 'utf8')) as MailRecord)
    } catch {
      // A message being written (atomic rename) or damaged: skipped.
    }
  }
  return out
}
