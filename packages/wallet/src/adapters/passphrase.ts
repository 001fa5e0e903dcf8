import { readFile } from 'node:fs/promises'
import { WalletError } from '../errors.ts'

/** Where a keystore passphrase may come from, in order (issue: "config, PLEBNET_WALLET_PASSPHRASE, or a prompt"). */
export interface PassphraseSources {
  readonly env: Readonly<Record<string, string | undefined>>
  /** `plebnet_setup.cfg` (INI); its `[wallets] password` is used when set. */
  readonly configPath?: string
  /** Asks on a terminal; resolves undefined when there is none. */
  readonly prompt?: (question: string) => Promise<string | undefined>
}

/** The environment variable holding the keystore passphrase. */
export const PASSPHRASE_ENV = 'PLEBNET_WALLET_PASSPHRASE'

/**
 * The keystore passphrase: the environment first (it is how services are configured), then the config
 * file, then a hidden prompt.
 *
 * @throws WalletError WALLET_KEYSTORE_PASSPHRASE_MISSING
 */
export async function resolvePassphrase(sources: PassphraseSources): Promise<string> {
  const fromEnv = sources.env[PASSPHRASE_ENV]
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv
  if (sources.configPath !== undefined) {
    const fromConfig = await readIniValue(sources.configPath, 'wallets', 'password')
    if (fromConfig !== undefined) return fromConfig
  }
  const typed = await sources.prompt?.('wallet passphrase: ')
  if (typed !== undefined && typed !== '') return typed
  throw new WalletError(
    'WALLET_KEYSTORE_PASSPHRASE_MISSING',
    `no wallet passphrase: set ${PASSPHRASE_ENV}, [wallets] password in plebnet_setup.cfg, or run on a terminal`,
    {},
  )
}

/** One value of an INI file (AGENT.md §5: plebnet_setup.cfg), or undefined when the file, section or key is absent or empty. */
export async function readIniValue(path: string, section: string, key: string): Promise<string | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined)
  if (text === undefined) return undefined
  let current = ''
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    const header = /^\[(.+)\]$/.exec(line)
    if (header !== null) {
      current = (header[1] ?? '').trim()
      continue
    }
    const kv = /^([^=:#;]+)[=:](.*)$/.exec(line)
    if (current === section && kv !== null && kv[1]?.trim() === key) {
      const value = (kv[2] ?? '').trim()
      return value === '' ? undefined : value
    }
  }
  return undefined
}

/** Reads a passphrase from the terminal without echo; undefined when stdin is not a terminal or on Ctrl-C. */
export async function promptHidden(question: string): Promise<string | undefined> {
  const stdin = process.stdin
  if (!stdin.isTTY) return undefined
  process.stderr.write(question)
  stdin.setRawMode(true)
  stdin.resume()
  try {
    let typed = ''
    for await (const chunk of stdin) {
      for (const ch of String(chunk)) {
        if (ch === '\r' || ch === '\n') return typed
        if (ch === '\u0003') return undefined
        typed = ch === '\u007f' ? typed.slice(0, -1) : typed + ch
      }
    }
    return typed
  } finally {
    stdin.setRawMode(false)
    stdin.pause()
    process.stderr.write('\n')
  }
}
