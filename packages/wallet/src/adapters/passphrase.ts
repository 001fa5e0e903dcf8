import { readFile } from 'node:fs/promises'
import { errorCode, iniValue, parseIni, type IniSections } from '@dolly/base'
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

/**
 * One value of an INI file (AGENT.md §5: plebnet_setup.cfg), read with the project's one INI dialect
 * (`@dolly/base` `parseIni`, names case-insensitive, so `[Wallets] Password =` counts as it does for
 * every other reader); undefined when the file, section or key is absent or empty.
 *
 * @throws WalletError WALLET_CONFIG_MALFORMED when the file is not valid INI
 */
export async function readIniValue(path: string, section: string, key: string): Promise<string | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined)
  if (text === undefined) return undefined
  let ini: IniSections
  try {
    ini = parseIni(text)
  } catch (err) {
    if (errorCode(err) !== 'BASE_INI_MALFORMED') throw err
    throw new WalletError(
      'WALLET_CONFIG_MALFORMED',
      `${path}: ${(err as Error).message}; fix the file or set ${PASSPHRASE_ENV}`,
      { path, line: (err as { details?: { line?: unknown } }).details?.line },
      { cause: err },
    )
  }
  const value = iniValue(ini, section, key)
  return value === undefined || value === '' ? undefined : value
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
