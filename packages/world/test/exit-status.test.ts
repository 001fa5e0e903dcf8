import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'

/**
 * Every error code of every package has an explicit exit status (issue 14, item 15). The codes are
 * read from each `errors.ts`'s `…ErrorCode` union as written (types vanish at run time), and the
 * module's `…_EXIT_STATUS` map must list exactly those: a code added without a status fails here.
 */

const PACKAGES = fileURLToPath(new URL('../../', import.meta.url))

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue
    const path = join(dir, entry.name)
    if (entry.isDirectory()) sourceFiles(path, out)
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) out.push(path)
  }
  return out
}

const PACKAGE_NAMES = readdirSync(PACKAGES, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
const SOURCES = PACKAGE_NAMES.flatMap((p) => sourceFiles(join(PACKAGES, p, 'src')))
const ERROR_FILES = SOURCES.filter((f) => f.endsWith('/errors.ts'))

/** The string literals of `export type XErrorCode = 'A' | 'B'` in `text`. */
function declaredCodes(text: string): string[] {
  const union = /export type \w+ErrorCode =([\s\S]*?)\n\n/.exec(text)
  return [...(union?.[1] ?? '').matchAll(/'([A-Z0-9_]+)'/g)].map((m) => m[1] ?? '')
}

interface Declared {
  readonly file: string
  readonly pkg: string
  readonly codes: readonly string[]
  readonly map: Readonly<Record<string, number>>
}

async function declared(): Promise<Declared[]> {
  const out: Declared[] = []
  for (const file of ERROR_FILES) {
    const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>
    const maps = Object.entries(mod).filter(([name]) => name.endsWith('_EXIT_STATUS'))
    expect(
      maps.map(([n]) => n),
      `${file} exports one *_EXIT_STATUS map`,
    ).toHaveLength(1)
    out.push({
      file: relative(PACKAGES, file),
      pkg: relative(PACKAGES, file).split('/')[0] ?? '',
      codes: declaredCodes(readFileSync(file, 'utf8')),
      map: maps[0]?.[1] as Record<string, number>,
    })
  }
  return out
}

describe('exit status of every error code', () => {
  it('finds the errors.ts of every package', () => {
    const pkgs = new Set(ERROR_FILES.map((f) => relative(PACKAGES, f).split('/')[0]))
    for (const p of ['base', 'wallet', 'cloudomate', 'learning', 'ledger', 'overlay', 'plebnet', 'world'])
      expect(pkgs).toContain(p)
  })

  it('lists exactly the codes each errors.ts declares, each with 1, 2, 3 or 4', async () => {
    for (const d of await declared()) {
      expect(d.codes.length, `${d.file} declares codes`).toBeGreaterThan(0)
      expect(Object.keys(d.map).sort(), d.file).toEqual([...d.codes].sort())
      for (const [code, status] of Object.entries(d.map)) expect([1, 2, 3, 4], code).toContain(status)
    }
  })

  it('knows every code the sources throw', async () => {
    const known = new Set((await declared()).flatMap((d) => d.codes))
    const thrown = new Set<string>()
    for (const file of SOURCES) {
      const text = readFileSync(file, 'utf8')
      for (const m of text.matchAll(/new [A-Z]\w*Error\(\s*'([A-Z][A-Z0-9_]+)'/g)) thrown.add(m[1] ?? '')
    }
    expect(thrown.size).toBeGreaterThan(50)
    expect([...thrown].filter((c) => !known.has(c))).toEqual([])
  })

  it('gives each CLI a status for every code of the packages it runs', async () => {
    const all = await declared()
    const codesOf = (...pkgs: string[]): string[] =>
      all.filter((d) => pkgs.includes(d.pkg)).flatMap((d) => d.codes)
    const cli = async (pkg: string, name: string): Promise<Record<string, number>> => {
      const mod = (await import(pathToFileURL(join(PACKAGES, pkg, 'src/index.ts')).href)) as Record<
        string,
        Record<string, number>
      >
      return mod[name] ?? {}
    }
    const cloudomate = await cli('cloudomate', 'CLOUDOMATE_CLI_EXIT_STATUS')
    const plebnet = await cli('plebnet', 'PLEBNET_CLI_EXIT_STATUS')
    const dolly = await cli('world', 'DOLLY_CLI_EXIT_STATUS')
    for (const c of codesOf('base', 'wallet', 'cloudomate'))
      expect(Object.hasOwn(cloudomate, c), c).toBe(true)
    for (const c of codesOf('base', 'wallet', 'cloudomate', 'learning', 'ledger', 'overlay', 'plebnet'))
      expect(Object.hasOwn(plebnet, c), c).toBe(true)
    for (const c of codesOf('base', 'wallet', 'learning', 'ledger', 'overlay', 'plebnet', 'world'))
      expect(Object.hasOwn(dolly, c), c).toBe(true)
    // The audit's case and the spec's extra statuses (CLOUDOMATE.md §9).
    expect(cloudomate['CLOUDOMATE_PAYMENT_UNKNOWN']).toBe(1)
    expect(cloudomate['CLOUDOMATE_PAYMENT_REFUSED']).toBe(3)
    expect(cloudomate['CLOUDOMATE_WAIT_TIMEOUT']).toBe(4)
    expect(cloudomate['CLOUDOMATE_PROVIDER_UNKNOWN']).toBe(2)
  }, 60_000)

  it('keeps exit 2 for bad usage or input (and CLOUDOMATE.md §9 shop refusals) only', async () => {
    const usage = (await declared())
      .flatMap((d) => Object.entries(d.map))
      .filter(([, status]) => status === 2)
      .map(([code]) => code)
      .sort()
    expect(usage).toMatchInlineSnapshot(`
      [
        "BASE_AMOUNT_OUT_OF_RANGE",
        "BASE_AMOUNT_TOO_PRECISE",
        "BASE_INI_MALFORMED",
        "BASE_INVALID_AMOUNT",
        "BASE_INVALID_OPTION",
        "CLOUDOMATE_CAPTCHA_REQUIRED",
        "CLOUDOMATE_CHALLENGE_REQUIRED",
        "CLOUDOMATE_CONFIG_MALFORMED",
        "CLOUDOMATE_EMAIL_REJECTED",
        "CLOUDOMATE_EMAIL_VERIFICATION_REQUIRED",
        "CLOUDOMATE_FRAUD_BLOCKED",
        "CLOUDOMATE_GATEWAY_CHANGED",
        "CLOUDOMATE_GATEWAY_RATE_LIMITED",
        "CLOUDOMATE_GATEWAY_UNSUPPORTED",
        "CLOUDOMATE_LOGIN_FAILED",
        "CLOUDOMATE_MANUAL_REVIEW",
        "CLOUDOMATE_OUT_OF_STOCK",
        "CLOUDOMATE_PROVIDER_UNKNOWN",
        "CLOUDOMATE_SETTINGS_INVALID",
        "CLOUDOMATE_SHOP_CHANGED",
        "CLOUDOMATE_SHOP_ERROR",
        "CLOUDOMATE_TOPUP_OUT_OF_RANGE",
        "CLOUDOMATE_USAGE",
        "IRC_CONFIG_INVALID",
        "LEDGER_OPTION_INVALID",
        "LIFECYCLE_CONFIG_INVALID",
        "NETWORK_OPTIONS_INVALID",
        "PLEBNET_OPTIONS_INVALID",
        "REPLICATION_IP_INVALID",
        "REPLICATION_USAGE",
        "VISION_OPTIONS_INVALID",
        "WALLET_ADDRESS_INVALID",
        "WALLET_ADDRESS_WRONG_NETWORK",
        "WALLET_AMOUNT_INVALID",
        "WALLET_AMOUNT_OUT_OF_RANGE",
        "WALLET_AMOUNT_TOO_PRECISE",
        "WALLET_BIP21_MALFORMED",
        "WALLET_BIP21_REQ_UNKNOWN",
        "WALLET_CHILD_INDEX_INVALID",
        "WALLET_CONFIG_MALFORMED",
        "WALLET_MNEMONIC_INVALID",
        "WALLET_NETWORK_INVALID",
        "WALLET_OPTION_INVALID",
        "WORLD_GENESIS_INVALID",
        "WORLD_HOSTS_INVALID_OPTION",
        "WORLD_HOSTS_INVALID_SPEC",
        "WORLD_INVALID_ADDRESS",
        "WORLD_INVALID_OPTION",
        "WORLD_PROVIDER_INVALID_OPTION",
        "WORLD_RELEASE_INVALID_OPTION",
        "WORLD_REPORT_INVALID_INPUT",
        "WORLD_SCENARIO_INVALID",
        "WORLD_VPN_INVALID_KEY",
        "WORLD_VPN_INVALID_OPTION",
      ]
    `)
  })
})
