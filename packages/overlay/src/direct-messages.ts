import type { AbortOptions, Rng } from '@dolly/base'
import { contactOf } from './entry.ts'
import type { EntryStore } from './entry-store.ts'
import type { Envelope, MessageType } from './envelope.ts'
import { NetworkError } from './errors.ts'
import { parseBody, type Body } from './messages.ts'
import { openDirect, sealDirect, type DhKeyPair } from './secure-message.ts'

/** Handler of decrypted direct messages: sender id and plaintext. */
export type DirectHandler = (from: string, data: Uint8Array) => void

/** What direct messaging needs from the engine. */
export interface DirectMessagingDeps {
  readonly rng: Rng
  readonly selfId: string
  readonly dh: DhKeyPair
  readonly store: EntryStore
  readonly hello: (peerId: string, addrs: readonly string[], options: AbortOptions) => Promise<boolean>
  readonly call: (
    to: string,
    type: MessageType,
    body: unknown,
    expect: 'ack',
    options: AbortOptions,
  ) => Promise<Body<'ack'> | undefined>
}

/** Sending and receiving end-to-end encrypted direct messages (see README: what replaces RSA + AES). */
export interface DirectMessaging {
  send(to: string, data: Uint8Array, options: AbortOptions): Promise<void>
  /** Decrypts an incoming `direct` envelope and hands it to the subscribers; throws a NetworkError when it does not open. */
  receive(env: Envelope): void
  subscribe(handler: DirectHandler): () => void
}

/** Associated data of a direct message: both ends' ids, so a ciphertext cannot be re-addressed. */
function aadOf(from: string, to: string): Uint8Array {
  return new TextEncoder().encode(`dolly-dm-v1\n${from}\n${to}`)
}

/** Direct messages over the engine's signed-envelope requests. */
export function createDirectMessaging(deps: DirectMessagingDeps): DirectMessaging {
  const handlers = new Set<DirectHandler>()
  return {
    async send(to, data, options) {
      const contact = deps.store.get('contact', to)
      const value = contact === undefined ? undefined : contactOf(contact)
      if (value === undefined)
        throw new NetworkError(
          'NETWORK_PEER_UNREACHABLE',
          `no contact record for ${to.slice(0, 16)}…; wait for gossip or say hello first`,
        )
      // The recipient answers only agents it knows: introduce ourselves first (one extra round trip).
      await deps.hello(to, value.addrs, options)
      const body = sealDirect(deps.rng, value.dhKey, data, aadOf(deps.selfId, to))
      if (body === undefined)
        throw new NetworkError('NETWORK_PEER_UNREACHABLE', `contact ${to.slice(0, 16)}… has an unusable key`)
      if ((await deps.call(to, 'direct', body, 'ack', options)) === undefined)
        throw new NetworkError(
          'NETWORK_PEER_UNREACHABLE',
          `${to.slice(0, 16)}… did not acknowledge the direct message`,
        )
    },
    receive(env) {
      const body = parseBody('direct', env.body)
      if (body === undefined)
        throw new NetworkError('NETWORK_ENVELOPE_MALFORMED', 'direct body does not match its schema')
      const plain = openDirect(deps.dh, body, aadOf(env.from, deps.selfId))
      if (plain === undefined)
        throw new NetworkError('NETWORK_CIPHERTEXT_BAD', 'direct message does not decrypt with our key')
      for (const handler of handlers) handler(env.from, plain)
    },
    subscribe(handler) {
      handlers.add(handler)
      return () => handlers.delete(handler)
    },
  }
}
