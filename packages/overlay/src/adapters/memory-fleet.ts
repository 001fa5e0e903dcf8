import { createNullLogger, createSeededRng, type Clock, type Logger, type Rng } from '@dolly/base'
import {
  generateIdentity,
  type Identity,
  bytesToHex,
  createSignatureVerifier,
  type SignatureVerifier,
} from '@dolly/base'
import { createHash } from 'node:crypto'
import { createAgentNetwork, type AgentNetwork } from '../agent-network.ts'
import type { AgentNetworkOptions } from '../options.ts'
import { createMemoryOverlay, type MemoryOverlay } from './memory-network.ts'

/** One agent of an in-memory fleet. */
export interface FleetAgent {
  readonly identity: Identity
  readonly network: AgentNetwork
}

/** Many agents on one memory overlay, driven round by round (tests, bench, simulator). */
export interface MemoryFleet {
  readonly agents: FleetAgent[]
  readonly overlay: MemoryOverlay
  /** Adds an agent that greets up to `introducers` random existing agents; returns it. */
  add(introducers?: number): Promise<FleetAgent>
  /** One round: every agent shuffles once, then every agent runs one anti-entropy exchange. */
  round(): Promise<void>
}

/** Options of a memory fleet. */
export interface MemoryFleetOptions {
  readonly clock: Clock
  readonly seed: string
  readonly log?: Logger
  /** Options of every agent, without the tree path (agents get "0", "0.1", … by position). */
  readonly network?: Omit<AgentNetworkOptions, 'treePath' | 'bootstrap'>
  /** Run only the gossip of the given kind in `round` (default both). */
  readonly rounds?: 'both' | 'shuffle' | 'anti-entropy'
}

/**
 * A verifier that remembers signatures it found valid, keyed by key, SHA-256 of the message and
 * signature. Shared by a fleet, it checks each gossiped signature once instead of once per agent:
 * the answers are identical, only the simulated agents' CPU is pooled. Bounded; cleared when full.
 */
function memoVerifier(inner: SignatureVerifier, maxEntries = 200_000): SignatureVerifier {
  const valid = new Set<string>()
  return {
    isValidKey: (key) => inner.isValidKey(key),
    verify(key, data, signature) {
      const id = `${bytesToHex(key)}:${bytesToHex(signature)}:${createHash('sha256').update(data).digest('hex')}`
      if (valid.has(id)) return true
      const ok = inner.verify(key, data, signature)
      if (ok) {
        if (valid.size >= maxEntries) valid.clear()
        valid.add(id)
      }
      return ok
    },
  }
}

/**
 * Builds agents with seeded identities on one memory overlay, sharing one memoizing verifier
 * (see `memoVerifier`) so 1,000 agents fit in one process.
 */
export function createMemoryFleet(options: MemoryFleetOptions): MemoryFleet {
  const overlay = createMemoryOverlay()
  const rng: Rng = createSeededRng(options.seed)
  const log = options.log ?? createNullLogger()
  const agents: FleetAgent[] = []
  const verifier = memoVerifier(createSignatureVerifier())
  return {
    agents,
    overlay,
    async add(introducers = 1) {
      const identity = generateIdentity(createSeededRng(`${options.seed}/agent/${agents.length}`))
      const network = createAgentNetwork(
        {
          clock: options.clock,
          rng: createSeededRng(`${options.seed}/rng/${agents.length}`),
          log,
          identity,
          transport: overlay.transport(identity.publicKey),
          verifier,
        },
        { ...options.network, treePath: `0.${agents.length}`, loops: false },
      )
      const agent = { identity, network }
      const existing = [...agents]
      agents.push(agent)
      await network.start()
      for (let i = 0; i < Math.min(introducers, existing.length); i++) {
        const peer = existing[rng.int(existing.length)]
        if (peer !== undefined) await network.hello(peer.network.id, [])
      }
      return agent
    },
    async round() {
      const mode = options.rounds ?? 'both'
      if (mode !== 'anti-entropy') for (const a of agents) await a.network.shuffleOnce()
      if (mode !== 'shuffle') for (const a of agents) await a.network.antiEntropyOnce()
    },
  }
}
