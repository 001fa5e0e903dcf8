import { constants } from 'node:fs'
import { link, mkdir, open, readFile, unlink } from 'node:fs/promises'
import { dirname, join, basename } from 'node:path'
import { WalletError } from '../errors.ts'
import { parseKeystoreDocument, type KeystoreDocument } from '../keystore/keystore.ts'

/**
 * Writes the keystore atomically with mode 0600 (AGENT.md conventions: temp file, fsync, rename), and
 * refuses to replace an existing wallet: losing a seed loses coins.
 *
 * @throws WalletError WALLET_KEYSTORE_EXISTS
 */
export async function writeKeystoreFile(path: string, document: KeystoreDocument): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 })
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`)
  const handle = await open(tmp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600)
  try {
    await handle.writeFile(`${JSON.stringify(document, null, 2)}\n`)
    await handle.sync()
  } finally {
    await handle.close()
  }
  try {
    // link() fails with EEXIST atomically, so two concurrent creates cannot both win (rename would replace).
    await link(tmp, path).catch((err: unknown) => {
      if (errorCodeOf(err) === 'EEXIST') {
        throw new WalletError(
          'WALLET_KEYSTORE_EXISTS',
          `${path} already holds a wallet; move it away first if you really mean to replace it`,
          { path },
        )
      }
      throw err
    })
    const dir = await open(dirname(path), constants.O_RDONLY)
    try {
      await dir.sync()
    } finally {
      await dir.close()
    }
  } finally {
    await unlink(tmp).catch(() => undefined)
  }
}

function errorCodeOf(err: unknown): unknown {
  return typeof err === 'object' && err !== null && 'code' in err
    ? (err as { code: unknown }).code
    : undefined
}

/**
 * Reads and validates a keystore file.
 *
 * @throws WalletError WALLET_KEYSTORE_NOT_FOUND, WALLET_KEYSTORE_CORRUPT
 */
export async function readKeystoreFile(path: string): Promise<KeystoreDocument> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new WalletError(
      'WALLET_KEYSTORE_NOT_FOUND',
      `no wallet at ${path}; run \`plebnet wallet create\` first`,
      { path },
      { cause: err },
    )
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new WalletError(
      'WALLET_KEYSTORE_CORRUPT',
      `${path} is not JSON; restore it from a backup`,
      { path },
      { cause: err },
    )
  }
  return parseKeystoreDocument(json)
}
