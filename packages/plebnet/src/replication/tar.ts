/**
 * A minimal POSIX ustar writer (POSIX.1-2001 `pax` interchange format, IEEE Std 1003.1 "pax"): the
 * headers of regular files, directories and symlinks, with a pax `x` header for paths longer than
 * ustar allows. GNU tar, busybox tar and bsdtar read it, so any server can unpack a bundle.
 */

/** One archive member. */
export interface TarEntry {
  /** Path inside the archive, `/`-separated, no leading `/`. */
  readonly path: string
  readonly kind: 'file' | 'directory' | 'symlink'
  /** Permission bits (e.g. 0o644). */
  readonly mode: number
  /** Size in bytes (files only; 0 otherwise). */
  readonly size: number
  /** Target of a symlink. */
  readonly linkTarget?: string
}

/** Every member has this mtime, so the same files give the same bytes (a stable bundle id). */
const FIXED_MTIME_S = 1_700_000_000
const BLOCK = 512
const encoder = new TextEncoder()

function writeString(block: Uint8Array, offset: number, length: number, value: string): void {
  const bytes = encoder.encode(value)
  block.set(bytes.subarray(0, length), offset)
}

function writeOctal(block: Uint8Array, offset: number, length: number, value: number): void {
  writeString(block, offset, length - 1, value.toString(8).padStart(length - 1, '0'))
}

/** Splits a path into ustar's prefix (≤ 155 bytes) and name (≤ 100 bytes), if it fits. */
function splitUstarPath(path: string): { prefix: string; name: string } | undefined {
  if (encoder.encode(path).byteLength <= 100) return { prefix: '', name: path }
  for (let i = path.length - 1; i > 0; i--) {
    if (path[i] !== '/') continue
    const prefix = path.slice(0, i)
    const name = path.slice(i + 1)
    if (encoder.encode(prefix).byteLength <= 155 && encoder.encode(name).byteLength <= 100 && name !== '')
      return { prefix, name }
  }
  return undefined
}

function rawHeader(fields: {
  name: string
  prefix: string
  mode: number
  size: number
  typeflag: string
  linkname: string
}): Uint8Array {
  const block = new Uint8Array(BLOCK)
  writeString(block, 0, 100, fields.name)
  writeOctal(block, 100, 8, fields.mode)
  writeOctal(block, 108, 8, 0)
  writeOctal(block, 116, 8, 0)
  writeOctal(block, 124, 12, fields.size)
  writeOctal(block, 136, 12, FIXED_MTIME_S)
  block.fill(0x20, 148, 156)
  writeString(block, 156, 1, fields.typeflag)
  writeString(block, 157, 100, fields.linkname)
  writeString(block, 257, 6, 'ustar\0')
  writeString(block, 263, 2, '00')
  writeString(block, 265, 32, 'root')
  writeString(block, 297, 32, 'root')
  writeString(block, 345, 155, fields.prefix)
  const sum = block.reduce((n, b) => n + b, 0)
  writeString(block, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `)
  return block
}

/** One pax record: `"<len> <key>=<value>\n"`, where len counts the whole record including itself. */
function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`
  let length = encoder.encode(body).byteLength
  for (;;) {
    const total = String(length).length + length
    if (String(total).length + length === total) return `${total}${body}`
    length += 1
  }
}

/** The padding after `size` bytes of member data, up to the next 512-byte block. */
export function tarPadding(size: number): Uint8Array {
  return new Uint8Array((BLOCK - (size % BLOCK)) % BLOCK)
}

/** The header block(s) of `entry`; its data (files) follows, then {@link tarPadding}. */
export function tarHeader(entry: TarEntry): Uint8Array {
  const typeflag = entry.kind === 'file' ? '0' : entry.kind === 'directory' ? '5' : '2'
  const path = entry.kind === 'directory' && !entry.path.endsWith('/') ? `${entry.path}/` : entry.path
  const linkname = entry.linkTarget ?? ''
  const split = splitUstarPath(path)
  const longLink = encoder.encode(linkname).byteLength > 100
  const size = entry.kind === 'file' ? entry.size : 0
  const main = rawHeader({
    name: split?.name ?? path.slice(-100),
    prefix: split?.prefix ?? '',
    mode: entry.mode,
    size,
    typeflag,
    linkname: longLink ? '' : linkname,
  })
  if (split !== undefined && !longLink) return main
  const records =
    (split === undefined ? paxRecord('path', path) : '') + (longLink ? paxRecord('linkpath', linkname) : '')
  const data = encoder.encode(records)
  const pax = rawHeader({
    name: 'PaxHeader',
    prefix: '',
    mode: 0o644,
    size: data.byteLength,
    typeflag: 'x',
    linkname: '',
  })
  const out = new Uint8Array(BLOCK + data.byteLength + tarPadding(data.byteLength).byteLength + BLOCK)
  out.set(pax, 0)
  out.set(data, BLOCK)
  out.set(main, out.byteLength - BLOCK)
  return out
}

/** The end-of-archive marker: two zero blocks. */
export function tarEnd(): Uint8Array {
  return new Uint8Array(BLOCK * 2)
}
