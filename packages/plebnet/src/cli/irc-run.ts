import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { emit, realSleep, type CliIo } from '@dolly/base'
import { isFullStatus } from '../daemon/status.ts'
import { IrcError } from '../irc/errors.ts'
import { IRC_STOP_FILE, IRC_SWITCH_WAIT_S, type IrcCliOptions, type IrcStatus } from '../irc/irc-status.ts'
import { ReplicationError } from '../replication/errors.ts'
import { agentStatusReader, ircLine } from './status-run.ts'

/** Real ms between two reads of the status while waiting for the daemon to follow the switch. */
const POLL_MS = 500

/** The `irc` block of the agent `reader` reads, or why there is none. */
async function ircOf(
  reader: Awaited<ReturnType<typeof agentStatusReader>>,
  home: string,
): Promise<{ url: string; irc: IrcStatus | undefined; down: boolean }> {
  const { url } = reader
  const status = await reader.read()
  if (status === undefined) return { url, irc: undefined, down: true }
  if (!isFullStatus(status))
    throw new IrcError(
      'IRC_DAEMON_DOWN',
      `${url} gave only its public status: no status token for it in ${home}`,
      { url },
    )
  return { url, irc: status.irc, down: false }
}

const inChannel = (irc: IrcStatus | undefined): boolean => irc?.running === true && irc.joined
const stopped = (irc: IrcStatus | undefined): boolean => irc?.running === false

/**
 * The work of `plebnet irc <what>` (cli/irc.ts registers it): reads the daemon's `irc` block, and for
 * start/stop/restart sets or clears `<home>/irc.stopped`, then waits until the daemon followed.
 *
 * @throws IrcError IRC_NOT_RUNNING and IRC_NOT_CONFIGURED (exit 3), IRC_DAEMON_DOWN and
 *   IRC_SWITCH_TIMEOUT (exit 1)
 */
export async function runIrcCommand(
  io: CliIo,
  what: 'status' | 'start' | 'stop' | 'restart',
  opts: IrcCliOptions & { readonly home: string },
): Promise<void> {
  const timeoutS = Number(opts.timeout ?? String(IRC_SWITCH_WAIT_S))
  if (!Number.isFinite(timeoutS) || timeoutS <= 0 || timeoutS > 3_600)
    throw new ReplicationError('REPLICATION_USAGE', `--timeout ${opts.timeout ?? ''} must be 1..3600 s`, {})
  const reader = await agentStatusReader(opts.home, opts.host)
  const first = await ircOf(reader, opts.home)
  if (first.down) {
    const text = `no agent daemon answers ${first.url}/status; the bot runs inside it: start it with plebnet daemon`
    throw new IrcError(what === 'status' ? 'IRC_NOT_RUNNING' : 'IRC_DAEMON_DOWN', text, { url: first.url })
  }
  if (first.irc === undefined)
    throw new IrcError(
      'IRC_NOT_CONFIGURED',
      `the agent at ${first.url} runs no IRC bot: its config names no server ([irc] server in ${join(opts.home, 'plebnet_setup.cfg')})`,
      { url: first.url },
    )
  if (what === 'status') {
    const irc = first.irc
    emit(io, opts.json, irc, () => ircLine(irc))
    if (!inChannel(irc))
      throw new IrcError('IRC_NOT_RUNNING', `the bot is not in ${irc.channel}`, { running: irc.running })
    return
  }
  const file = join(opts.home, IRC_STOP_FILE)
  const waitFor = async (
    done: (irc: IrcStatus | undefined) => boolean,
    doing: string,
  ): Promise<IrcStatus> => {
    const end = Date.now() + timeoutS * 1_000
    for (;;) {
      const { irc, down } = await ircOf(reader, opts.home)
      if (!down && irc !== undefined && done(irc)) return irc
      if (Date.now() >= end)
        throw new IrcError(
          'IRC_SWITCH_TIMEOUT',
          `the daemon did not ${doing} the bot within ${timeoutS} s (${down ? 'it stopped answering' : irc === undefined ? 'no irc block' : ircLine(irc)})`,
          { timeoutS },
        )
      await realSleep(POLL_MS)
    }
  }
  let irc = first.irc
  if (what === 'stop' || what === 'restart') {
    await writeFile(file, `stopped by plebnet irc ${what} at ${new Date().toISOString()}\n`, { mode: 0o600 })
    irc = await waitFor(stopped, 'stop')
    if (what === 'stop') {
      emit(io, opts.json, irc, () => ircLine(irc))
      return
    }
  }
  await rm(file, { force: true })
  irc = await waitFor(inChannel, 'start')
  emit(io, opts.json, irc, () => ircLine(irc))
}
