import { access } from 'node:fs/promises'
import { join } from 'node:path'
import { createSystemClock, writeFileAtomic, type Rng } from '@dolly/base'
import {
  createKeystore,
  deriveAccount,
  deriveAddress,
  keystoreAccount,
  readKeystoreFile,
  resolvePassphrase,
  unlockKeystore,
  writeKeystoreFile,
} from '@dolly/wallet'
import { WorldError } from '../../errors.ts'
import { genesisConfigText } from '../../genesis/genesis-config.ts'
import type { WorldState } from '../../runtime/world-state.ts'

/**
 * The config of a buyer's home (`plebnet_setup.cfg`) in `state`'s world: the agents' `[world]`
 * section with `walletPassword`. Throws WORLD_INVALID_OPTION before the world's state is published or
 * in a world without hosts.
 */
export function userConfigText(state: WorldState | undefined, walletPassword: string): string {
  const text = state === undefined ? undefined : genesisConfigText(state, { walletPassword })
  if (text === undefined)
    throw new WorldError('WORLD_INVALID_OPTION', 'token buyers need a running world with hosts', {})
  return text
}

/** The config file `plebnet` reads in a home (plebnet's CONFIG_FILE). */
const CONFIG_FILE = 'plebnet_setup.cfg'
const WALLET_FILE = 'wallet.json'

/**
 * Makes a world user's home a token buyer's (issue 17): a world wallet (`wallet.json`, its passphrase
 * random and written only into the home's config) and the config (`plebnet_setup.cfg`: the world's
 * chain for users, the same `[world]` section the agents get, from `configText(password)`). A home
 * that has a wallet keeps it and its config (a world started again reuses its users' coins). Returns
 * the wallet's first receive address, which the faucet funds, and whether the wallet is new.
 */
export async function setupUserWallet(
  deps: { readonly rng: Rng },
  home: string,
  configText: (walletPassword: string) => string,
): Promise<{ readonly address: string; readonly created: boolean }> {
  const walletPath = join(home, WALLET_FILE)
  const configPath = join(home, CONFIG_FILE)
  const exists = await access(walletPath).then(
    () => true,
    () => false,
  )
  if (!exists) {
    const password = Buffer.from(deps.rng.bytes(18)).toString('base64url')
    await writeFileAtomic(configPath, configText(password), { mode: 0o600, dirMode: 0o700 })
    const { document } = await createKeystore(
      { rng: deps.rng, clock: createSystemClock() },
      { network: 'world', passphrase: password, kdf: { n: 16384, r: 8, p: 1 } },
    )
    await writeKeystoreFile(walletPath, document)
  }
  const document = await readKeystoreFile(walletPath)
  const { root } = await unlockKeystore(document, await resolvePassphrase({ env: {}, configPath }))
  const { params } = keystoreAccount(document)
  return { address: deriveAddress(deriveAccount(root, params), params, 0, 0).address, created: !exists }
}
