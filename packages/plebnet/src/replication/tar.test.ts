import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { tarEnd, tarHeader, tarPadding, type TarEntry } from './tar.ts'

function archive(members: readonly (TarEntry & { data?: string })[]): Uint8Array {
  const parts: Uint8Array[] = []
  for (const m of members) {
    const data = new TextEncoder().encode(m.data ?? '')
    parts.push(tarHeader({ ...m, size: m.kind === 'file' ? data.byteLength : 0 }))
    if (m.kind === 'file') parts.push(data, tarPadding(data.byteLength))
  }
  parts.push(tarEnd())
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.byteLength
  }
  return out
}

describe('tar writer', () => {
  let dir = ''
  afterEach(() => rmSync(dir, { recursive: true, force: true }))

  it('writes files, directories, symlinks and long paths that GNU tar extracts verbatim', () => {
    dir = mkdtempSync(join(tmpdir(), 'tar-'))
    const longDir = `app/node_modules/${'a'.repeat(90)}/${'b'.repeat(90)}`
    const veryLong = `${'c'.repeat(120)}/${'d'.repeat(120)}/${'e'.repeat(120)}.js`
    const bytes = archive([
      { path: 'bin', kind: 'directory', mode: 0o755, size: 0 },
      { path: 'bin/node', kind: 'file', mode: 0o755, size: 0, data: '#!/bin/sh\necho hi\n' },
      { path: `${longDir}/index.js`, kind: 'file', mode: 0o644, size: 0, data: 'x'.repeat(1000) },
      { path: veryLong, kind: 'file', mode: 0o644, size: 0, data: 'pax path' },
      { path: 'app/link', kind: 'symlink', mode: 0o777, size: 0, linkTarget: `../${'t'.repeat(150)}` },
      { path: 'empty', kind: 'file', mode: 0o600, size: 0, data: '' },
    ])
    expect(bytes.byteLength % 512).toBe(0)
    writeFileSync(join(dir, 'a.tar'), bytes)
    execFileSync('tar', ['-xf', 'a.tar'], { cwd: dir })
    expect(readFileSync(join(dir, 'bin/node'), 'utf8')).toBe('#!/bin/sh\necho hi\n')
    expect(statSync(join(dir, 'bin/node')).mode & 0o777).toBe(0o755)
    expect(readFileSync(join(dir, longDir, 'index.js'), 'utf8')).toBe('x'.repeat(1000))
    expect(readFileSync(join(dir, veryLong), 'utf8')).toBe('pax path')
    expect(readlinkSync(join(dir, 'app/link'))).toBe(`../${'t'.repeat(150)}`)
    expect(readFileSync(join(dir, 'empty'), 'utf8')).toBe('')
    // The listing has exactly our members (no pax header files leaked as members).
    const listing = execFileSync('tar', ['-tf', 'a.tar'], { cwd: dir, encoding: 'utf8' }).trim().split('\n')
    expect(listing).toHaveLength(6)
  })

  it('pads data to whole 512-byte blocks', () => {
    expect(tarPadding(0).byteLength).toBe(0)
    expect(tarPadding(1).byteLength).toBe(511)
    expect(tarPadding(512).byteLength).toBe(0)
    expect(tarPadding(513).byteLength).toBe(511)
  })
})
