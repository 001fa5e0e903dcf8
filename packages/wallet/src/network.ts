import type { Network } from 'bitcoinjs-lib'
import { WalletError } from './errors.ts'

/** The networks a wallet can live on: Bitcoin's three, and the world's chain (litecoind -regtest). */
export type NetworkName = 'bitcoin' | 'testnet' | 'regtest' | 'world'

/** Every network name, for CLI choices and schemas. */
export const NETWORK_NAMES: readonly NetworkName[] = Object.freeze(['bitcoin', 'testnet', 'regtest', 'world'])

/** Parameters of one network: address encodings, BIP32 versions, BIP44 coin type and dust policy. */
export interface NetworkParams {
  readonly name: NetworkName
  /** The shape bitcoinjs-lib and bip32 expect. */
  readonly bitcoinjs: Network
  /** BIP44 coin type: 0 on mainnet, 1 on every test network (SLIP-44). */
  readonly coinType: number
  /** True only for Bitcoin mainnet: keys there must come from the OS CSPRNG. */
  readonly isMainnet: boolean
  /** The node's `-dustrelayfee` in sat/kvB: outputs worth less than spending them at this rate are dust. */
  readonly dustRelayFeeSatPerKvb: bigint
  /** BIP21 URI scheme. The world stands in for Bitcoin, so it keeps `bitcoin:`. */
  readonly uriScheme: string
}

// Version bytes from Bitcoin Core's chainparams.cpp (base58Prefixes, bech32_hrp).
const BIP32_MAIN = { public: 0x0488b21e, private: 0x0488ade4 }
const BIP32_TEST = { public: 0x043587cf, private: 0x04358394 }

const PARAMS: Readonly<Record<NetworkName, NetworkParams>> = Object.freeze({
  bitcoin: Object.freeze({
    name: 'bitcoin',
    bitcoinjs: {
      messagePrefix: '\x18Bitcoin Signed Message:\n',
      bech32: 'bc',
      bip32: BIP32_MAIN,
      pubKeyHash: 0x00,
      scriptHash: 0x05,
      wif: 0x80,
    },
    coinType: 0,
    isMainnet: true,
    dustRelayFeeSatPerKvb: 3_000n,
    uriScheme: 'bitcoin',
  }),
  testnet: Object.freeze({
    name: 'testnet',
    bitcoinjs: {
      messagePrefix: '\x18Bitcoin Signed Message:\n',
      bech32: 'tb',
      bip32: BIP32_TEST,
      pubKeyHash: 0x6f,
      scriptHash: 0xc4,
      wif: 0xef,
    },
    coinType: 1,
    isMainnet: false,
    dustRelayFeeSatPerKvb: 3_000n,
    uriScheme: 'bitcoin',
  }),
  regtest: Object.freeze({
    name: 'regtest',
    bitcoinjs: {
      messagePrefix: '\x18Bitcoin Signed Message:\n',
      bech32: 'bcrt',
      bip32: BIP32_TEST,
      pubKeyHash: 0x6f,
      scriptHash: 0xc4,
      wif: 0xef,
    },
    coinType: 1,
    isMainnet: false,
    dustRelayFeeSatPerKvb: 3_000n,
    uriScheme: 'bitcoin',
  }),
  // Litecoin Core 0.21 regtest (chainparams.cpp CRegTestParams): hrp "rltc", P2PKH 111, P2SH 58, WIF 239,
  // tpub/tprv. Its `-dustrelayfee` default is 0.0003 LTC/kvB (`litecoind -help-debug`), ten times Bitcoin's.
  world: Object.freeze({
    name: 'world',
    bitcoinjs: {
      messagePrefix: '\x19Litecoin Signed Message:\n',
      bech32: 'rltc',
      bip32: BIP32_TEST,
      pubKeyHash: 0x6f,
      scriptHash: 0x3a,
      wif: 0xef,
    },
    coinType: 1,
    isMainnet: false,
    dustRelayFeeSatPerKvb: 30_000n,
    uriScheme: 'bitcoin',
  }),
})

/**
 * The parameters of a network by name.
 *
 * @throws WalletError WALLET_NETWORK_INVALID for an unknown name.
 */
export function networkParams(name: string): NetworkParams {
  if (!(NETWORK_NAMES as readonly string[]).includes(name)) {
    throw new WalletError(
      'WALLET_NETWORK_INVALID',
      `unknown network ${JSON.stringify(name)}; expected one of ${NETWORK_NAMES.join(', ')}`,
      {
        network: name,
      },
    )
  }
  return PARAMS[name as NetworkName]
}

/** Script bytes of a p2wpkh output (`OP_0 <20-byte hash>`): the wallet's change and the family's addresses. */
export const P2WPKH_SCRIPT_BYTES = 22

/**
 * The dust threshold of an output in sats: the cost of creating and later spending it at the dust relay
 * fee (Bitcoin Core policy.cpp GetDustThreshold: output size + 67 vbytes for a witness spend, rounded down).
 */
export function dustThresholdSats(
  params: NetworkParams,
  outputScriptBytes: number,
  isWitnessProgram: boolean,
): bigint {
  const outputBytes = 8 + 1 + outputScriptBytes
  // Core: outpoint 32 + 4, script length 1, sequence 4, plus a 107-byte signature+pubkey that a witness
  // spend discounts to 107/4 = 26 (integer division): 67 vbytes, or 148 without witness.
  const spendVbytes = isWitnessProgram ? 67 : 148
  return (BigInt(outputBytes + spendVbytes) * params.dustRelayFeeSatPerKvb) / 1000n
}
