import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { resolvePassphrase } from './passphrase.ts'

describe('resolvePassphrase', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wallet-pass-'))
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('prefers the environment, then [wallets] password in the config, then the prompt', async () => {
    const configPath = join(dir, 'plebnet_setup.cfg')
    await writeFile(
      configPath,
      '[github]\npassword = not-this\n\n[wallets]\ntestnet = 0\npassword = from-config\n',
    )
    const prompt = async () => 'typed'
    expect(
      await resolvePassphrase({ env: { PLEBNET_WALLET_PASSPHRASE: 'from-env' }, configPath, prompt }),
    ).toBe('from-env')
    expect(await resolvePassphrase({ env: {}, configPath, prompt })).toBe('from-config')
    expect(await resolvePassphrase({ env: {}, configPath: join(dir, 'missing.cfg'), prompt })).toBe('typed')
  })

  it('reads [wallets] password whatever the case of its names, as every INI reader does', async () => {
    const configPath = join(dir, 'plebnet_setup.cfg')
    await writeFile(configPath, '[Wallets]\nPassword = mixed-case\n')
    expect(await resolvePassphrase({ env: {}, configPath, prompt: async () => 'typed' })).toBe('mixed-case')
  })

  it('refuses a malformed config with WALLET_CONFIG_MALFORMED instead of guessing', async () => {
    const configPath = join(dir, 'plebnet_setup.cfg')
    await writeFile(configPath, '[wallets]\npassword = a\nPASSWORD = b\n')
    await expect(resolvePassphrase({ env: {}, configPath })).rejects.toMatchObject({
      code: 'WALLET_CONFIG_MALFORMED',
    })
  })

  it('fails with a typed error when there is no source', async () => {
    await expect(resolvePassphrase({ env: {}, prompt: async () => undefined })).rejects.toMatchObject({
      code: 'WALLET_KEYSTORE_PASSPHRASE_MISSING',
    })
  })
})
