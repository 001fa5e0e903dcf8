/**
 * Tunables of the host provisioner. Every value states its unit and where it came from.
 */

/** First octets of every world subnet: `10.77.<index>.0/24`; 10/8 is private (RFC 1918) and 77 is rarely used by VPNs. */
export const SUBNET_PREFIX = '10.77'

/**
 * First octets of each world's "Internet" address `10.78.<index>.1/32`, put on the bridge beside the
 * gateway: outside the hosts' subnet, so traffic to it follows a host's default route (and a
 * full-tunnel VPN) as traffic to a real Internet service would.
 */
export const INTERNET_PREFIX = '10.78'

/** Network indexes a world may claim (one /24 each); 0 and 255 are left out to avoid confusing broadcast-looking subnets. */
export const NETWORK_INDEX_MIN = 1
/** Highest claimable network index (inclusive). */
export const NETWORK_INDEX_MAX = 254

/** Last octets a host may get; .1 is the gateway (the root namespace's bridge address), .255 broadcast. */
export const HOST_OCTET_MIN = 2
/** Highest host octet (inclusive). */
export const HOST_OCTET_MAX = 254

/** How long a new host may take until its sshd answers (ms); measured ~150 ms on 2 cores, so 30 s is ample. */
export const SSH_READY_TIMEOUT_MS = 30_000

/** Poll period while waiting for sshd or for processes to die (ms). */
export const POLL_INTERVAL_MS = 25

/** How long destroy waits for the killed processes of a host to disappear (ms). */
export const KILL_WAIT_MS = 10_000

/** How long a single helper command (ip, tc, ssh-keygen, ...) may run (ms). */
export const COMMAND_TIMEOUT_MS = 20_000

/** Size of a host's private /tmp tmpfs (MiB): RAM-backed, so capped; an agent's downloads go to /opt or /root. */
export const TMP_SIZE_MIB = 512

/** Size of a host's private /run tmpfs (MiB). */
export const RUN_SIZE_MIB = 32

/**
 * Top-level directories of the machine that a host sees copy-on-write (overlayfs: the machine's
 * directory as the read-only lower layer, the host's own upper layer): the installed system.
 */
export const OVERLAY_DIRS = ['usr', 'etc', 'var', 'bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32'] as const

/**
 * Directories every host root gets empty, as on a freshly installed VPS: /root, /home, /opt and /srv
 * hold the machine owner's files, which a rented server would not have. Everything else of the
 * machine (/work, /mnt, /boot, ...) is absent.
 */
export const EMPTY_DIRS = [
  'root',
  'home',
  'opt',
  'srv',
  'tmp',
  'run',
  'dev',
  'proc',
  'sys',
  'mnt',
  'media',
] as const

/** Binaries the provisioner runs on the machine; `bash scripts/setup.sh` installs them. */
export const REQUIRED_TOOLS = [
  'ip',
  'tc',
  'nsenter',
  'unshare',
  'ssh-keygen',
  'openssl',
  'mknod',
  'bash',
] as const

/** Path of the sshd binary (Debian's openssh-server). */
export const SSHD_PATH = '/usr/sbin/sshd'

/** PATH inside a host, as on a Debian server. */
export const HOST_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
