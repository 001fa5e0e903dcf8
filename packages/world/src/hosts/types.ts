import type { AbortOptions, Logger } from '@dolly/base'

/**
 * One bridge plus a private /24 per world instance. Several may coexist (tests run beside a running
 * world); nothing on it routes out of the machine.
 */
export interface HostNetwork {
  /** Bridge link name, e.g. `dollybr3`. */
  readonly bridge: string
  /** The root namespace's address on the bridge, e.g. `10.77.3.1`; world services bind here. */
  readonly gatewayIp: string
  /** The network's subnet, e.g. `10.77.3.0/24`. */
  readonly subnetCidr: string
  /** Removes the bridge (after all hosts are gone); idempotent. */
  stop(): Promise<void>
}

/** What a provider asks for when it provisions a host. */
export interface HostSpec {
  /** The host's hostname (RFC 1123 label, at most 63 characters). */
  readonly hostname: string
  /** Root password the provider set; sshd accepts it for `root`. */
  readonly rootPassword: string
  /** Optional bandwidth limit in Mbit/s, both directions (tc tbf). */
  readonly bandwidthMbit?: number
  /**
   * Whether the host gets a link (`eth1`) into the world's content network when the provisioner has
   * one (default true: every rented server reaches "the Internet's" content). The world's users' hosts
   * are created with false: they reach content only through the agents' tunnels.
   */
  readonly contentLink?: boolean
}

/** A provisioned host; `destroy` is idempotent. */
export interface Host {
  readonly id: string
  readonly hostname: string
  readonly ip: string
  destroy(): Promise<void>
}

/** Result of a command run inside a host. */
export interface HostExecResult {
  readonly exitCode: number
  readonly stdout: string
  readonly stderr: string
}

/** Options of {@link WorldHost.exec}. */
export interface HostExecOptions extends AbortOptions {
  /** Bytes written to the command's stdin (e.g. a key, so it never appears in argv). */
  readonly input?: string
  /** Kill the command after this long (ms). */
  readonly timeoutMs?: number
}

/**
 * A host of the namespace provisioner: a {@link Host} plus what the world itself needs from it (the
 * VPN endpoint runs wireguard-go in one; tests run commands in them). Providers only see {@link Host}.
 */
export interface WorldHost extends Host {
  /** Runs `argv` inside the host (its namespaces and root), as root; never throws on a non-zero exit. */
  exec(argv: readonly string[], options?: HostExecOptions): Promise<HostExecResult>
  /** Machine-side PIDs of every process in the host (empty once destroyed). */
  pids(): Promise<readonly number[]>
}

/** Creates and destroys hosts on one {@link HostNetwork}. */
export interface HostProvisioner {
  /** Resolves when sshd accepts connections on `ip:22`. */
  create(spec: HostSpec, options?: AbortOptions): Promise<WorldHost>
  /** Hosts alive now, in creation order. */
  list(): readonly WorldHost[]
  /** Destroys every host this provisioner created. */
  destroyAll(): Promise<void>
}

/** Ports of {@link HostProvisioner}. */
export interface HostProvisionerDeps {
  readonly network: HostNetwork
  readonly log: Logger
  /**
   * The world's content network bridge (`dollycbr<i>`, see content/plan.ts); hosts get a link into it
   * (`eth1`, `10.79.<i>.<octet>/24`) unless their spec says `contentLink: false`. None when absent.
   */
  readonly contentBridge?: string
}

/** Options of {@link HostProvisioner}. */
export interface HostProvisionerOptions {
  /** Where records (for crash cleanup) and host layers live; must not be inside a directory hosts see copy-on-write (/usr, /etc, /var). */
  readonly stateDir: string
}
