import type { MetricName } from './constants.ts'
import type { General } from './general.ts'
import type { Reply } from './reply-parser.ts'

/** One thing the tracker learnt about an agent at a time: what the store keeps. */
export type Observation =
  | {
      readonly kind: 'metric'
      readonly atMs: number
      readonly nick: string
      readonly metric: MetricName
      readonly value: number
    }
  | { readonly kind: 'general'; readonly atMs: number; readonly nick: string; readonly general: General }
  | { readonly kind: 'goodbye'; readonly atMs: number; readonly nick: string; readonly tree: string }

/** The observations a reply from `nick` at `atMs` makes (a `!life` reply gives one or two metrics). */
export function observationsOf(reply: Reply, nick: string, atMs: number): Observation[] {
  switch (reply.kind) {
    case 'metric':
      return [{ kind: 'metric', atMs, nick, metric: reply.metric, value: reply.value }]
    case 'general':
      return [{ kind: 'general', atMs, nick, general: reply.general }]
    case 'goodbye':
      return [{ kind: 'goodbye', atMs, nick, tree: reply.tree }]
    case 'life':
      return [
        { kind: 'metric', atMs, nick, metric: 'lease_left', value: reply.leaseLeftS },
        ...(reply.nextChildDays === null
          ? []
          : [
              {
                kind: 'metric' as const,
                atMs,
                nick,
                metric: 'next_child' as const,
                value: reply.nextChildDays,
              },
            ]),
      ]
  }
}
