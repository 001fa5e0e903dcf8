import type { AbortOptions } from '@dolly/base'

/** What a provider asks its host provisioner for: the shape `hosts/` `HostSpec` also has. */
export interface ProviderHostSpec {
  readonly hostname: string
  readonly rootPassword: string
  readonly bandwidthMbit?: number
}

/** A host a provider handed to a customer; `destroy` is idempotent. */
export interface ProvidedHost {
  readonly id: string
  readonly ip: string
  destroy(): Promise<void>
}

/**
 * The narrow provisioner port the providers need (STYLE.md §1.2: declared by the user); the world's
 * `createHostProvisioner` satisfies it, unit tests use an in-memory one.
 */
export interface ProviderProvisioner {
  /** Resolves when the host accepts SSH logins on `ip:22`. */
  create(spec: ProviderHostSpec, options?: AbortOptions): Promise<ProvidedHost>
}

/** The part of the world chain a provider uses: raw JSON-RPC against its own node wallet. */
export interface ProviderChain {
  rpc<T>(method: string, params?: readonly unknown[], options?: { wallet?: string }): Promise<T>
}

/** A provider's receiving wallet: fresh addresses and what arrived at them. */
export interface ProviderWallet {
  /** A fresh receiving address that was never handed out before. */
  newAddress(label: string): Promise<string>
  /** Sum received by `address` in transactions with at least `minConf` confirmations (0 = mempool too). */
  receivedSats(address: string, minConf: number): Promise<bigint>
  /** The output script (hex) paying `address`, for BIP70 payment requests. */
  scriptPubKey(address: string): Promise<string>
}

/** Acts inside a running host as root (SolusVM's "Change Root Password", API providers' SSH keys). */
export interface RootPasswordChanger {
  setRootPassword(
    ip: string,
    currentPassword: string,
    newPassword: string,
    options?: AbortOptions,
  ): Promise<void>
  /** Appends an OpenSSH public key to root's authorized_keys. */
  authorizeKey(ip: string, rootPassword: string, publicKey: string, options?: AbortOptions): Promise<void>
}
