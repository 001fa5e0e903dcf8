import type { AbortOptions } from '@dolly/base'
import type { ChildPayload } from './payload.ts'

/** Result of one remote command. */
export interface RemoteResult {
  readonly exitCode: number
  readonly stdout: string
  readonly stderr: string
}

/** Options of {@link RemoteShell.exec}. */
export interface RemoteExecOptions extends AbortOptions {
  /** Bytes for the command's stdin (secrets go here, never into the command line). */
  readonly input?: string | Uint8Array
}

/**
 * A root shell on the child's server: the port the installer drives (STYLE.md §1.2 `Shell`). The
 * ssh2 adapter implements it; commands are `bash -c` scripts.
 */
export interface RemoteShell {
  /** Runs a bash script as root; never throws on a non-zero exit, only on a lost connection. */
  exec(script: string, options?: RemoteExecOptions): Promise<RemoteResult>
  /**
   * Runs `command` (a bash command line) with `chunks` as its stdin and resolves with the bytes sent;
   * rejects when the command fails or the connection is lost. Used to append to a file, so whatever
   * reached it stays and the caller resumes from its size.
   */
  pipe(command: string, chunks: AsyncIterable<Uint8Array>, options?: AbortOptions): Promise<number>
  /** Closes the connection; idempotent. */
  close(): void
}

/** How to log in. */
export type SshAuth =
  | { readonly kind: 'password'; readonly password: string }
  | { readonly kind: 'key'; readonly privateKey: string }

/** What the installer needs to open shells; the ssh2 adapter implements it. */
export interface ShellConnector {
  /**
   * Opens a root shell on `host`. `pinnedFingerprint` is the SHA-256 host-key fingerprint pinned at first
   * contact (undefined = trust on first use). Resolves with the shell and the fingerprint it saw.
   *
   * @throws ReplicationError REPLICATION_SSH_UNREACHABLE, REPLICATION_SSH_AUTH_FAILED, REPLICATION_HOST_KEY_CHANGED
   */
  connect(
    target: {
      readonly host: string
      readonly port: number
      readonly auth: SshAuth
      readonly pinnedFingerprint?: string
    },
    options?: AbortOptions,
  ): Promise<{ shell: RemoteShell; fingerprint: string }>
}

/** The code to install, as the parent can read it from its offset on. */
export interface BundleSource {
  readonly id: string
  readonly sha256: string
  readonly sizeBytes: number
  read(offset: number): AsyncIterable<Uint8Array>
}

/** A file copied to the child's home (`-conf`/`-cred`). */
export interface ChildFile {
  /** Name in the child's home, e.g. `own_wg.conf`. */
  readonly dest: string
  readonly content: string
}

/**
 * What the check tick knows of the server it installs on (AGENT.md §6 payload `state`/`purchase`)
 * and where the parent wants coins sent back; `create-child` by hand knows none of it.
 */
export interface ChildHandover {
  readonly state: ChildPayload['state']
  readonly purchase: ChildPayload['purchase']
  /** Hands out a fresh receive address of the parent's wallet; called once, when the payload is built. */
  readonly parentAddress?: () => Promise<string>
  /** The server's lease end as its provider states it, Unix s. */
  readonly leaseEndS?: number
}
