import type { Clock } from '@dolly/base'
import { WalletError } from '../errors.ts'
import type { ChainBackend } from '../ports.ts'
import { createBitcoinCoreRpcChain } from './bitcoin-core-rpc-chain.ts'
import { createElectrumChain } from './electrum-chain.ts'
import { createElectrumClient } from './electrum-client.ts'
import { createEsploraChain } from './esplora-chain.ts'

/** A chain backend built from a URL, with what must be released after use. */
export interface ChainConnection {
  readonly chain: ChainBackend
  /** The URL without credentials, for messages and logs. */
  readonly display: string
  close(): void
}

/**
 * Builds a ChainBackend from one URL, so a user can point the wallet anywhere with a single setting:
 * - `http://user:pass@host:port/` (or https): Bitcoin Core JSON-RPC (bitcoind, the world's litecoind);
 * - `esplora+https://host/api/`: an Esplora REST server (mempool.space, blockstream.info);
 * - `electrum://host:port` (TCP) or `electrums://host:port` (TLS; `?insecure=1` accepts self-signed certificates).
 *
 * @throws WalletError WALLET_BACKEND_CONFIG for anything else.
 */
export function connectChainBackend(
  urlText: string,
  deps: { clock: Clock },
  options: { timeoutMs: number },
): ChainConnection {
  let url: URL
  try {
    url = new URL(urlText)
  } catch (err) {
    throw config(`${JSON.stringify(redact(urlText))} is not a URL`, err)
  }
  const user = decodeURIComponent(url.username)
  const password = decodeURIComponent(url.password)
  url.username = ''
  url.password = ''
  const display = url.toString()
  switch (url.protocol) {
    case 'http:':
    case 'https:':
      return {
        chain: createBitcoinCoreRpcChain(
          { clock: deps.clock },
          { url: display, user, password, timeoutMs: options.timeoutMs },
        ),
        display,
        close: () => undefined,
      }
    case 'esplora+http:':
    case 'esplora+https:': {
      const baseUrl = display.replace(/^esplora\+/, '')
      return {
        chain: createEsploraChain({}, { baseUrl, timeoutMs: options.timeoutMs }),
        display: baseUrl,
        close: () => undefined,
      }
    }
    case 'electrum:':
    case 'electrums:': {
      const port = Number(url.port)
      if (url.hostname === '' || !Number.isInteger(port) || port <= 0)
        throw config(`${display} needs a host and a port, like electrums://host:50002`)
      const client = createElectrumClient({
        host: url.hostname,
        port,
        tls: url.protocol === 'electrums:',
        allowSelfSignedCertificate: url.searchParams.get('insecure') === '1',
        timeoutMs: options.timeoutMs,
      })
      return { chain: createElectrumChain({ transport: client }), display, close: () => client.close() }
    }
    default:
      throw config(
        `unsupported chain backend ${JSON.stringify(display)}; use http://user:pass@host:port/, esplora+https://…, electrum:// or electrums://`,
      )
  }
}

function redact(text: string): string {
  return text.replace(/\/\/[^@/]*@/, '//***@')
}

function config(message: string, cause?: unknown): WalletError {
  return new WalletError('WALLET_BACKEND_CONFIG', message, {}, cause === undefined ? undefined : { cause })
}
