import type { AbortOptions, Clock, Logger } from '@dolly/base'
import { TRACKER_COMMANDS } from './constants.ts'
import { observationsOf } from './observation.ts'
import { parseReply, type Privmsg, type ReplyResult } from './reply-parser.ts'
import type { VisionStore } from './store.ts'

/** The IRC port the tracker needs: send a line of text to a channel. */
export interface TrackerIrc {
  say(target: string, text: string): void
}

/** Ports of the tracker. */
export interface TrackerDeps {
  readonly clock: Clock
  readonly irc: TrackerIrc
  readonly store: VisionStore
  readonly logger: Logger
}

/** Options of the tracker (§12). */
export interface TrackerOptions {
  readonly channel: string
  /** Own nick: its own lines are not replies. */
  readonly nick: string
  /** One round every `intervalMs` (`vision.tracker_interval`). */
  readonly intervalMs: number
  /** Between two commands of a round (2 s). */
  readonly commandGapMs: number
  /** Before the first round, after joining (20 s). */
  readonly joinWaitMs: number
}

/** The tracker: asks the channel for figures and records the replies. */
export interface Tracker {
  /** Records a channel message if it is a reply; returns what the parser made of it (undefined if not for us). */
  onPrivmsg(message: Privmsg): ReplyResult | undefined
  /** Waits `joinWaitMs`, then sends a round of commands every `intervalMs` until `signal` aborts. */
  run(options?: AbortOptions): Promise<void>
}

/** Creates the tracker of §12. */
export function createTracker(deps: TrackerDeps, options: TrackerOptions): Tracker {
  const { clock, irc, store, logger } = deps
  const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase()
  return {
    onPrivmsg(message) {
      if (!same(message.target, options.channel) || same(message.nick, options.nick)) return undefined
      const result = parseReply(message.text)
      if (result.ok) for (const o of observationsOf(result.reply, message.nick, clock.nowMs())) store.add(o)
      else if (result.code !== 'VISION_REPLY_UNKNOWN')
        logger.warn('tracker.reply_rejected', {
          nick: message.nick,
          code: result.code,
          reason: result.reason,
        })
      return result
    },
    async run(opts = {}) {
      const signal = opts.signal
      await clock.sleep(options.joinWaitMs, opts)
      const rest = Math.max(0, options.intervalMs - TRACKER_COMMANDS.length * options.commandGapMs)
      while (signal?.aborted !== true) {
        for (const command of TRACKER_COMMANDS) {
          irc.say(options.channel, command)
          await clock.sleep(options.commandGapMs, opts)
        }
        logger.debug('tracker.round_sent', { commands: TRACKER_COMMANDS.length })
        await clock.sleep(rest, opts)
      }
    },
  }
}
