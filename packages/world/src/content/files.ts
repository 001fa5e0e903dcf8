/**
 * The content server's files (issue 16, "World users"): a fixed catalogue of sizes whose bytes are a
 * deterministic keystream, so no file needs to sit on disk and anyone can recompute a file's
 * SHA-256 to check a download.
 */
import { createCipheriv, createHash } from 'node:crypto'
import { WorldError } from '../errors.ts'

/** One mebibyte (bytes). */
export const MIB = 1024 * 1024

/** Sizes of the catalogue's files in MiB: 1 MiB to 100 MiB, spread over two orders of magnitude. */
export const CONTENT_FILE_MIB = [1, 2, 5, 10, 20, 50, 100] as const

/** A file of the catalogue. */
export interface ContentFile {
  /** URL name under `/files/`, e.g. `10MiB.bin`. */
  readonly name: string
  readonly bytes: number
}

/** The catalogue: `<n>MiB.bin` for each size of {@link CONTENT_FILE_MIB}. */
export const CONTENT_FILES: readonly ContentFile[] = Object.freeze(
  CONTENT_FILE_MIB.map((m) => Object.freeze({ name: `${m}MiB.bin`, bytes: m * MIB })),
)

/** The catalogue entry named `name`; undefined for any other name. */
export function contentFile(name: string): ContentFile | undefined {
  return CONTENT_FILES.find((f) => f.name === name)
}

/** Bytes produced per keystream chunk (the streaming granularity). */
const CHUNK_BYTES = 256 * 1024
const ZEROS = Buffer.alloc(CHUNK_BYTES)

/**
 * The file's bytes in order, `CHUNK_BYTES` at a time: the AES-128-CTR keystream under the key
 * SHA-256("dolly-content:" + name)[0..16] with a zero counter. Deterministic, and fast enough
 * (hundreds of MB/s) to stream a 100 MiB file on demand.
 */
export function* contentChunks(file: ContentFile): Generator<Buffer> {
  if (!Number.isSafeInteger(file.bytes) || file.bytes < 0)
    throw new WorldError(
      'WORLD_INVALID_OPTION',
      `file size must be a whole number of bytes, got ${file.bytes}`,
      {
        file: file.name,
      },
    )
  const key = createHash('sha256').update(`dolly-content:${file.name}`).digest().subarray(0, 16)
  const cipher = createCipheriv('aes-128-ctr', key, Buffer.alloc(16))
  for (let sent = 0; sent < file.bytes; sent += CHUNK_BYTES) {
    const n = Math.min(CHUNK_BYTES, file.bytes - sent)
    yield cipher.update(n === CHUNK_BYTES ? ZEROS : ZEROS.subarray(0, n))
  }
}

const digests = new Map<string, string>()

/** SHA-256 (hex) of the file's bytes; computed once per process and remembered. */
export function contentSha256(file: ContentFile): string {
  const key = `${file.name}:${file.bytes}`
  const known = digests.get(key)
  if (known !== undefined) return known
  const hash = createHash('sha256')
  for (const chunk of contentChunks(file)) hash.update(chunk)
  const hex = hash.digest('hex')
  digests.set(key, hex)
  return hex
}
