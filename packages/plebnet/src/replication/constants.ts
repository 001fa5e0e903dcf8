/**
 * Defaults of replication. Times are wall-clock on the parent; the target they serve is ANCHORS.md
 * §3 (server active → child heartbeat ≤ 10 s on world hosts, ≤ 10 min on a 1-vCPU VPS).
 */

/** Where the agent is installed on a child (AGENT.md §8 step 6): versioned dirs plus a `current` link. */
export const INSTALL_ROOT = '/opt/plebnet'
/** The launcher on the child's PATH. */
export const LAUNCHER_PATH = '/usr/local/bin/plebnet'
/** The agent home on the child (root's CONFIG_DIR/plebnet, as `plebnet` resolves it by default). */
export const CHILD_HOME = '/root/.config/plebnet'
/** Default port of the read-only status API (brief of issue 7). */
export const STATUS_PORT = 8480
/** SSH port of a bought server. */
export const SSH_PORT = 22
/** How long one SSH connection attempt may take before the server counts as unreachable (ms). */
export const SSH_READY_TIMEOUT_MS = 15_000
/** How long the parent waits for the child's first heartbeat after starting it (ms); 60 s covers a slow VPS boot of Node. */
export const HEARTBEAT_TIMEOUT_MS = 60_000
/** Poll period while waiting for the heartbeat (ms). */
export const HEARTBEAT_POLL_MS = 200
/** Length of the new random root password, in bytes of CSPRNG output (base64url: 32 characters). */
export const ROOT_PASSWORD_BYTES = 24
/** File in the parent's home that pins each child server's SSH host key (trust on first use). */
export const KNOWN_HOSTS_FILE = 'known_hosts.json'
/** The parent's own SSH key for its children (Ed25519, OpenSSH format), in its home; 0600. */
export const PARENT_SSH_KEY_FILE = 'ssh_id_ed25519'
/** Where the parent caches built copy-self bundles, under its home. */
export const BUNDLE_CACHE_DIR = 'bundles'
/** Child payload directory on the child and under the parent's `child_payload/<N>/` (AGENT.md §5.2). */
export const PAYLOAD_DIR = 'child_payload'
/** Incoming uploads on the child, kept across attempts so an interrupted push resumes. */
export const INCOMING_DIR = `${INSTALL_ROOT}/incoming`
/** Upload chunk size (bytes): big enough for ssh2's window, small enough that a cut link loses little. */
export const UPLOAD_CHUNK_BYTES = 1 << 20
