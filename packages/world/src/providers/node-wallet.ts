/** The provider's receiving wallet as a named wallet of the world chain's node. */
import { parseBtc } from '@dolly/base'
import { z } from 'zod'
import { ProviderError } from './errors.ts'
import type { ProviderChain, ProviderWallet } from './ports.ts'

const amountSchema = z.number().nonnegative()
const addressSchema = z.string().min(14)
const scriptSchema = z.object({ scriptPubKey: z.string().regex(/^([0-9a-f]{2})+$/) })

/**
 * Opens (creating it on first use) the node wallet `walletName` and returns it as a ProviderWallet.
 *
 * @throws ProviderError WORLD_PROVIDER_CHAIN_REPLY_MALFORMED when the node answers out of shape.
 */
export async function createNodeWallet(chain: ProviderChain, walletName: string): Promise<ProviderWallet> {
  const loaded = z.array(z.string()).safeParse(await chain.rpc<unknown>('listwallets'))
  if (!loaded.success) throw malformed('listwallets', loaded.error)
  if (!loaded.data.includes(walletName)) {
    try {
      await chain.rpc('createwallet', [walletName])
    } catch (createErr) {
      // The wallet exists on disk from an earlier run of the same world: load it instead.
      try {
        await chain.rpc('loadwallet', [walletName])
      } catch (loadErr) {
        throw new ProviderError(
          'WORLD_PROVIDER_START_FAILED',
          `cannot create or load node wallet ${walletName}`,
          { walletName },
          { cause: [createErr, loadErr] },
        )
      }
    }
  }
  return {
    async newAddress(label) {
      const reply = addressSchema.safeParse(
        await chain.rpc<unknown>('getnewaddress', [label, 'bech32'], { wallet: walletName }),
      )
      if (!reply.success) throw malformed('getnewaddress', reply.error)
      return reply.data
    },
    async receivedSats(address, minConf) {
      const reply = amountSchema.safeParse(
        await chain.rpc<unknown>('getreceivedbyaddress', [address, minConf], { wallet: walletName }),
      )
      if (!reply.success) throw malformed('getreceivedbyaddress', reply.error)
      // The node prints at most 8 decimals, so toFixed(8) reproduces its text exactly.
      return parseBtc(reply.data.toFixed(8))
    },
    async scriptPubKey(address) {
      const reply = scriptSchema.safeParse(
        await chain.rpc<unknown>('getaddressinfo', [address], { wallet: walletName }),
      )
      if (!reply.success) throw malformed('getaddressinfo', reply.error)
      return reply.data.scriptPubKey
    },
  }
}

function malformed(method: string, cause: unknown): ProviderError {
  return new ProviderError(
    'WORLD_PROVIDER_CHAIN_REPLY_MALFORMED',
    `the chain node answered ${method} out of shape`,
    { method },
    { cause },
  )
}
