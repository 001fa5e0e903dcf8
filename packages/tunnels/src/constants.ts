/**
 * Tunables of the tunnel protocol, with their units and where each value came from. Limits follow
 * Tribler's exit limits (`Tribler/py-ipv8@95422f2` `ipv8/messaging/anonymization/community.py`, quoted
 * in spec/ANCHORS.md §1.1) unless stated otherwise.
 */

/** Largest link frame in bytes (header + body). 64 KiB of stream data plus room for 3 onion layers. */
export const MAX_FRAME_BYTES = 64 * 1024 + 256

/**
 * Largest chunk of stream data one DATA message carries, bytes: one read of a node socket (libuv reads
 * 64 KiB at a time), so a full read is one cell. Every cell costs each hop one AES-GCM context, a few
 * allocations and a transport frame whatever its size; at 16 KiB that per-cell work, not the cipher,
 * led the profile of a 3-hop circuit (README "Bench").
 */
export const MAX_STREAM_CHUNK_BYTES = 64 * 1024

/** Largest UDP payload one DATAGRAM message carries, bytes (a SOCKS UDP datagram above it is dropped). */
export const MAX_DATAGRAM_BYTES = 16 * 1024 - 512

/** Most hops of a circuit: the issue asks for 1–3 (Tribler's default range). */
export const MAX_HOPS = 3

/** Time to build a whole circuit before it is abandoned, ms (Tribler: `circuit_timeout` 10 s per hop). */
export const CIRCUIT_BUILD_TIMEOUT_MS = 30_000

/** A circuit with no cell in either direction for this long is destroyed, ms (Tribler's 20 s is for exits with no streams; ours covers all hops). */
export const CIRCUIT_IDLE_TIMEOUT_MS = 60_000

/** Longest life of any circuit, ms (Tribler: 3600 s per circuit). */
export const CIRCUIT_MAX_AGE_MS = 3_600_000

/** Circuits a relay or exit joins at once (Tribler: `max_joined_circuits = 100`). */
export const MAX_JOINED_CIRCUITS = 100

/** Circuits a node builds as initiator at once (Tribler: `max_circuits = 8`, doubled for 3 hop counts in parallel). */
export const MAX_OWN_CIRCUITS = 16

/** Bytes one circuit may carry in both directions together before it is destroyed (Tribler: 10 GiB). */
export const MAX_CIRCUIT_BYTES = 10n * 1024n * 1024n * 1024n

/** Open streams per circuit (a browser opens ~6 per host; 256 bounds an exit's sockets per circuit). */
export const MAX_STREAMS_PER_CIRCUIT = 256

/** How often the timeout sweep runs, ms: the resolution of every timeout above. */
export const SWEEP_INTERVAL_MS = 1_000

/**
 * Stream flow control, in DATA payload bytes: a sender has at most this many unacknowledged bytes in
 * flight per stream (it stops after the write that reaches it, so at most one chunk more), the
 * receiver sends one SENDME per `SENDME_EVERY_BYTES` it received. Tor's scheme (tor-spec §7.4: 500 /
 * 50 cells of 498 bytes) counted in bytes, because our cells vary in size: a window in cells would
 * hold 16 MiB of full 64 KiB cells, or a few hundred KB of the small reads of a slow server.
 * The window is what a hop may have to buffer per stream when its next link is slower than its
 * previous one, so it bounds a relay's memory (4 MiB per stream measured 30 MB above the idle
 * daemon with 4 circuits); 1 MiB still fills loopback and allows ~7 MiB/s per stream at 150 ms RTT.
 */
export const STREAM_WINDOW_BYTES = 1024 * 1024
/** See `STREAM_WINDOW_BYTES`. */
export const SENDME_EVERY_BYTES = 128 * 1024

/** Replay window of the onion layers in cells. 0 = strict order, right for ordered links (TCP, libp2p streams). */
export const DEFAULT_REPLAY_WINDOW = 0

/** Largest replay window accepted, cells (a bitmap of this many bits per layer and direction). */
export const MAX_REPLAY_WINDOW = 4096

/** Idle UDP association at the exit is closed after this long, ms (Tribler: 20 s inactivity). */
export const UDP_IDLE_TIMEOUT_MS = 120_000

/** A link to a circuit neighbour that has sent nothing for this long gets a PROBE (README "Link loss"), ms. */
export const LINK_PROBE_IDLE_MS = 10_000
/** A PROBE unanswered (no frame at all from the neighbour) this long: the link is lost (TUNNEL_LINK_TIMEOUT), ms. */
export const LINK_PROBE_TIMEOUT_MS = 20_000
/** A peer whose link was lost is left out of new paths this long (unless no path is left without it), ms. */
export const LINK_LOST_AVOID_MS = 120_000
